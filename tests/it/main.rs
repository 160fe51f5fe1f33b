//! Integration tests: the real `vault` binary against a real PostgreSQL
//! server (a throwaway cluster, see `pg.rs`) and a real SQLite file.

mod db;
mod harness;
mod pg;
mod sql;

mod agent;
mod attack_util;
mod attacks;
mod basics;
mod deploy;
mod docs;
mod dotenv;
mod faults;
mod golden;
mod history;
mod import;
mod leaks;
mod legacy;
mod members;
mod names;
mod pgbouncer;
mod plugin;
mod plugin_fixture;
mod recovery;
mod rotate;
mod shell;
mod shells;
mod sqlite;
mod sqlx_patch;
mod ssh_agent_fixture;
mod standby;
mod store;
mod terminal;
mod terminal_escape;
mod trust;
