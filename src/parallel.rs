//! Work spread over the machine's cores, for the stages where a large
//! audit spends its time (parsing thousands of files, comparing thousands
//! of objects): each item's work is independent and its result comes back
//! in the items' order, so output never depends on the thread count.

/// Below this many items per thread, a second thread costs more than it saves.
const WORTH_A_THREAD: usize = 256;

/// `f` of each item, in order; on every core (at most 8) when there are many items.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = cores.min(items.len() / WORTH_A_THREAD).min(8);
    if threads < 2 {
        return items.iter().map(f).collect();
    }
    let f = &f;
    std::thread::scope(|scope| {
        let parts: Vec<_> = items
            .chunks(items.len().div_ceil(threads))
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<R>>()))
            .collect();
        parts
            .into_iter()
            .flat_map(|part| part.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// Frees `value` on a thread of its own: tens of thousands of JSON values
/// take a tenth of a second to free, which the report need not wait for
/// (the process may end first; the memory goes back with it).
pub fn drop_in_background<T: Send + 'static>(value: T) {
    // Were no thread to be had, the value is freed here, as the closure
    // holding it is dropped.
    let _ = std::thread::Builder::new().spawn(move || drop(value));
}

#[cfg(test)]
mod tests {
    use super::map;

    #[test]
    fn work_shared_between_threads_comes_back_in_order() {
        for n in [0, 1, 511, 512, 1000, 4097] {
            let items: Vec<usize> = (0..n).collect();
            let doubled = map(&items, |i| i * 2);
            assert_eq!(doubled, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        }
    }
}
