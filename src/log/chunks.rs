//! A list that grows in fixed chunks. A `Vec` doubles: to grow from N to
//! 2N items it holds both copies for a moment, and wasm memory, once grown,
//! never shrinks, so a crawl's log would pay for three copies of itself.
//! Chunks are allocated once each and never moved.

/// `CHUNK` items per chunk: by default large enough that the list of
/// chunks stays tiny. A list of big items takes smaller chunks
/// (`Chunked<T, 256>`): a chunk is allocated whole, and a small crawl should
/// not pay for a big one.
#[derive(Clone, Debug)]
pub struct Chunked<T, const CHUNK: usize = 4096> {
    chunks: Vec<Vec<T>>,
    len: usize,
}

impl<T, const CHUNK: usize> Default for Chunked<T, CHUNK> {
    fn default() -> Self {
        Chunked { chunks: Vec::new(), len: 0 }
    }
}

impl<T, const CHUNK: usize> Chunked<T, CHUNK> {
    pub fn push(&mut self, item: T) {
        match self.chunks.last_mut() {
            Some(last) if last.len() < CHUNK => last.push(item),
            _ => {
                let mut chunk = Vec::with_capacity(CHUNK);
                chunk.push(item);
                self.chunks.push(chunk);
            }
        }
        self.len += 1;
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn get(&self, i: usize) -> Option<&T> {
        self.chunks.get(i / CHUNK)?.get(i % CHUNK)
    }

    pub fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        self.chunks.get_mut(i / CHUNK)?.get_mut(i % CHUNK)
    }

    /// Items from position `from` on, in order. Starts at `from`'s chunk,
    /// so reading the newest events costs nothing for the older ones.
    pub fn iter_from(&self, from: usize) -> impl Iterator<Item = &T> {
        let first = self.chunks.get(from / CHUNK..).unwrap_or_default();
        first.iter().flatten().skip(from % CHUNK)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_keep_their_positions_across_chunks() {
        const CHUNK: usize = 4096;
        let mut list: Chunked<usize> = Chunked::default();
        for i in 0..(CHUNK * 2 + 5) {
            list.push(i);
        }
        assert_eq!(list.len(), CHUNK * 2 + 5);
        assert_eq!(list.get(CHUNK + 1), Some(&(CHUNK + 1)));
        assert_eq!(list.get(CHUNK * 3), None);
        *list.get_mut(7).expect("pushed") = 70;
        assert_eq!(list.iter_from(6).take(2).copied().collect::<Vec<_>>(), vec![6, 70]);
        assert_eq!(list.iter_from(CHUNK * 2 + 4).count(), 1);
    }
}
