//! A small work queue: `f` over owned items on a few scoped threads, the
//! results in item order (column conversion and Parquet encoding).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Threads worth using: the machine's, at most 8.
pub(crate) fn threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(8)
}

/// `f` applied to every item on up to `threads` threads (this one
/// included); the outputs come back in item order.
pub(crate) fn map<I: Send, O: Send>(
    items: Vec<I>,
    threads: usize,
    f: impl Fn(I) -> O + Sync,
) -> Vec<O> {
    let n = items.len();
    if threads <= 1 || n <= 1 {
        return items.into_iter().map(f).collect();
    }
    let slots: Vec<Mutex<Option<I>>> = items.into_iter().map(|t| Mutex::new(Some(t))).collect();
    let done: Vec<Mutex<Option<O>>> = (0..n).map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let work = || loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        if i >= n {
            break;
        }
        let item = slots[i].lock().ok().and_then(|mut s| s.take());
        if let Some(item) = item {
            let out = f(item);
            if let Ok(mut d) = done[i].lock() {
                *d = Some(out);
            }
        }
    };
    std::thread::scope(|s| {
        for _ in 1..threads.min(n) {
            s.spawn(work);
        }
        work();
    });
    // Every slot is filled: a panic in `f` propagates out of the scope.
    done.into_iter()
        .filter_map(|d| d.into_inner().ok().flatten())
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_order() {
        for t in [1, 2, 3, 8] {
            let out = super::map((0..100).collect(), t, |x: u64| x * x);
            assert_eq!(out, (0..100).map(|x| x * x).collect::<Vec<_>>());
        }
    }
}
