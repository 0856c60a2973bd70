//! Rendering ahead of the audio thread. A program's block may query
//! patterns, which allocates; so a render thread runs the [`BlockSource`]
//! and keeps a lock-free queue of at most two blocks filled, and the audio
//! thread's [`AheadQueue`] only copies blocks out of it. A block that is not
//! ready when the output needs it is an underrun: the output plays silence
//! for that block and the status line counts it.

use super::stats::{block_duration, AudioStats};
use super::BlockSource;
use rtrb::{Consumer, Producer, RingBuffer};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How many blocks wait between the render thread and the audio thread.
pub const QUEUE_BLOCKS: usize = 2;
/// How long to wait for the render thread to fill the queue before the
/// output starts.
const PRIME_TIMEOUT: Duration = Duration::from_secs(10);

/// The audio-thread end: a [`BlockSource`] that copies rendered blocks.
pub struct AheadQueue {
    ring: Consumer<f32>,
    channels: usize,
    stats: Arc<AudioStats>,
}

/// Starts a thread that renders `source` in blocks of `block_frames` into
/// a queue of [`QUEUE_BLOCKS`] blocks, and waits until the queue is full.
/// The thread ends when the returned queue is dropped.
pub fn render_ahead<S: BlockSource>(
    source: S,
    block_frames: usize,
    rate: u32,
    stats: Arc<AudioStats>,
) -> std::io::Result<AheadQueue> {
    let channels = source.channels().max(1);
    let block = block_frames.max(1) * channels;
    let (producer, ring) = RingBuffer::new(QUEUE_BLOCKS * block);
    {
        let stats = Arc::clone(&stats);
        std::thread::Builder::new()
            .name("phonon-render".into())
            .spawn(move || keep_filled(source, producer, block_frames.max(1), rate, &stats))?;
    }
    let started = Instant::now();
    while ring.slots() < QUEUE_BLOCKS * block && started.elapsed() < PRIME_TIMEOUT {
        std::thread::sleep(Duration::from_millis(1));
    }
    Ok(AheadQueue {
        ring,
        channels,
        stats,
    })
}

/// The render thread: renders whenever a whole block fits in the queue,
/// timing each block against its duration (the load).
fn keep_filled<S: BlockSource>(
    mut source: S,
    mut ring: Producer<f32>,
    block: usize,
    rate: u32,
    stats: &AudioStats,
) {
    let samples = block * source.channels().max(1);
    let mut rendered = vec![0.0f32; samples];
    let budget = block_duration(block, rate);
    // Poll often enough that a freed slot is refilled well within a block.
    let poll = (budget / 8).clamp(Duration::from_micros(100), Duration::from_millis(2));
    while !ring.is_abandoned() {
        if ring.slots() < samples {
            std::thread::sleep(poll);
            continue;
        }
        let started = Instant::now();
        source.render_block(&mut rendered);
        stats.record_render(started.elapsed(), budget);
        if let Ok(chunk) = ring.write_chunk_uninit(samples) {
            chunk.fill_from_iter(rendered.iter().copied());
        }
    }
}

impl BlockSource for AheadQueue {
    fn channels(&self) -> usize {
        self.channels
    }

    fn render_block(&mut self, block: &mut [f32]) {
        match self.ring.read_chunk(block.len()) {
            Ok(chunk) => {
                let (first, second) = chunk.as_slices();
                block[..first.len()].copy_from_slice(first);
                block[first.len()..].copy_from_slice(second);
                chunk.commit_all();
            }
            Err(_) => {
                block.fill(0.0);
                self.stats.record_underrun();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Counter {
        next: f32,
    }

    impl BlockSource for Counter {
        fn channels(&self) -> usize {
            2
        }

        fn render_block(&mut self, block: &mut [f32]) {
            for frame in block.chunks_exact_mut(2) {
                frame[0] = self.next;
                frame[1] = -self.next;
                self.next += 1.0;
            }
        }
    }

    #[test]
    fn blocks_arrive_in_order_and_whole() {
        let stats = Arc::new(AudioStats::default());
        let mut queue =
            render_ahead(Counter { next: 0.0 }, 64, 48_000, Arc::clone(&stats)).unwrap();
        let mut heard = Vec::new();
        let mut block = vec![0.0; 128];
        for _ in 0..50 {
            let deadline = Instant::now() + Duration::from_secs(2);
            while queue.ring.slots() < 128 && Instant::now() < deadline {
                std::thread::sleep(Duration::from_micros(200));
            }
            queue.render_block(&mut block);
            assert!(block.chunks(2).all(|f| f[0] == -f[1]));
            heard.extend(block.chunks(2).map(|f| f[0]));
        }
        assert_eq!(heard, (0..3200).map(|i| i as f32).collect::<Vec<_>>());
        assert_eq!(stats.snapshot().underruns, 0);
    }

    #[test]
    fn an_empty_queue_plays_silence_and_counts_an_underrun() {
        let stats = Arc::new(AudioStats::default());
        let (producer, ring) = RingBuffer::new(8);
        drop(producer);
        let mut queue = AheadQueue {
            ring,
            channels: 2,
            stats: Arc::clone(&stats),
        };
        let mut block = [1.0; 8];
        queue.render_block(&mut block);
        assert_eq!(block, [0.0; 8]);
        assert_eq!(stats.snapshot().underruns, 1);
    }
}
