//! Integration tests: the real `vault` binary against a real PostgreSQL
//! server (a throwaway cluster, see `pg.rs`) and a real SQLite file.

mod harness;
mod pg;
mod sql;

mod attack_util;
mod attacks;
mod basics;
mod deploy;
mod faults;
mod leaks;
mod members;
mod names;
mod pgbouncer;
mod recovery;
mod rotate;
mod shell;
mod sqlite;
mod standby;
mod terminal;
