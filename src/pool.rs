//! Sealing that runs on rayon's pool while the caller goes on, its result
//! collected later: an import seals the next chunks while the store writes
//! this one, and a SQLite rotation re-seals the next stretch of rows while
//! it writes the one before. One way of doing it, for both.
//!
//! On the pool, not on a thread of its own per job: a new thread per chunk
//! also took a malloc arena of its own, and the RSS grew with it. A job may
//! use the pool itself (`par_iter`); rayon runs that nested work on the
//! same threads.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;

use crate::error::{Error, Result};

/// A job started on the pool; [`Pending::wait`] gives its result.
pub(crate) struct Pending<T> {
    result: mpsc::Receiver<Result<T>>,
    what: &'static str,
}

impl<T: Send + 'static> Pending<T> {
    /// Starts `job` on the pool. `what` names it in the internal error a
    /// panic in it becomes: a panic on the pool would abort the process.
    pub(crate) fn spawn(what: &'static str, job: impl FnOnce() -> Result<T> + Send + 'static) -> Self {
        let (send, result) = mpsc::sync_channel(1);
        rayon::spawn(move || {
            let out = catch_unwind(AssertUnwindSafe(job))
                .unwrap_or_else(|_| Err(Error::internal(format!("{what} failed unexpectedly"))));
            // The receiver is gone when the caller failed meanwhile and
            // dropped it: the result is not wanted.
            let _ = send.send(out);
        });
        Pending { result, what }
    }

    /// Blocks the calling thread until the job is done: its result, or
    /// the error it (or a panic in it) ended with.
    pub(crate) fn wait(self) -> Result<T> {
        self.result
            .recv()
            .map_err(|_| Error::internal(format!("{} stopped unexpectedly", self.what)))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_the_order_asked_for() {
        let jobs: Vec<Pending<usize>> = (0..16)
            .map(|i| {
                Pending::spawn("a test job", move || {
                    // Later jobs finish first.
                    std::thread::sleep(std::time::Duration::from_millis(16 - i as u64));
                    Ok(i)
                })
            })
            .collect();
        let got: Vec<usize> = jobs.into_iter().map(|j| j.wait().unwrap()).collect();
        assert_eq!(got, (0..16).collect::<Vec<_>>());
    }

    #[test]
    fn an_error_is_returned_as_it_was() {
        let job: Pending<()> = Pending::spawn("a test job", || Err(Error::usage("bad input")));
        let e = job.wait().unwrap_err();
        assert_eq!(e.kind, crate::error::Kind::Usage);
        assert!(e.to_string().contains("bad input"), "{e}");
    }

    #[test]
    fn a_panic_becomes_an_internal_error() {
        let job: Pending<()> = Pending::spawn("a test job", || panic!("boom"));
        let e = job.wait().unwrap_err();
        assert_eq!(e.kind, crate::error::Kind::Internal);
        assert!(e.to_string().contains("a test job failed unexpectedly"), "{e}");
    }

    #[test]
    fn dropping_the_pending_job_is_harmless() {
        let (tx, rx) = mpsc::channel();
        drop(Pending::spawn("a test job", move || {
            std::thread::sleep(std::time::Duration::from_millis(20));
            tx.send(()).unwrap();
            Ok(())
        }));
        // The job still ran to its end; its result went nowhere.
        rx.recv_timeout(std::time::Duration::from_secs(10)).unwrap();
    }
}
