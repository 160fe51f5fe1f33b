//! Integration tests: the real `vault` binary against a real PostgreSQL
//! server (a throwaway cluster, see `pg.rs`) and a real SQLite file.

mod harness;
mod pg;
mod sql;

mod basics;
mod members;
mod shell;
mod terminal;
