//! napi glue for the trainers: a `NativeTrainer` holds the options and the word counts; JS feeds
//! it files or batches of strings (each counted on worker threads), then trains. Progress is
//! kept in a shared cell that JS polls (`progress()`), so no JS callback runs on a worker.

use crate::error::map_error;
use napi::bindgen_prelude::AsyncTask;
use napi::{Env, Task};
use napi_derive::napi;
use std::sync::{Arc, Mutex};
use transferjs_tokenizers_core::trainers::{
    self, count_sequences, Progress, TrainSpec, WordCounter,
};

/// The last progress event of a training run.
#[napi(object)]
#[derive(Clone)]
pub struct TrainProgressData {
    /// `"count words"`, `"compute merges"`, `"seed pieces"`, `"EM"`, `"done"`.
    pub stage: String,
    pub current: f64,
    pub total: f64,
}

/// What a training run produced.
#[napi(object)]
pub struct TrainResultData {
    /// The complete `tokenizer.json` text, HF's format.
    pub json: String,
    pub vocab_size: u32,
    /// Distinct words counted.
    pub words: u32,
    /// Sequences (lines, batch items) read.
    pub sequences: f64,
}

struct Shared {
    spec: TrainSpec,
    counter: Mutex<WordCounter>,
    progress: Mutex<TrainProgressData>,
}

impl Shared {
    fn report(&self, p: Progress) {
        if let Ok(mut g) = self.progress.lock() {
            *g = TrainProgressData {
                stage: p.stage.to_owned(),
                current: p.current as f64,
                total: p.total as f64,
            };
        }
    }

    fn counter(&self) -> napi::Result<std::sync::MutexGuard<'_, WordCounter>> {
        self.counter.lock().map_err(|_| {
            napi::Error::from_reason("[INTERNAL] trainer state poisoned by an earlier failure")
        })
    }

    fn feed_batch(&self, batch: &[String]) -> napi::Result<()> {
        // Count without the lock (all cores), then merge under it.
        let splitter = self.counter()?.splitter().clone();
        let counts = count_sequences(&splitter, batch).map_err(map_error)?;
        self.counter()?.merge_counts(counts, batch.len() as u64);
        Ok(())
    }

    fn feed_files(&self, files: &[String]) -> napi::Result<()> {
        let mut counter = self.counter()?;
        counter
            .feed_files(files, &|p| self.report(p))
            .map_err(map_error)
    }

    fn train(&self) -> napi::Result<TrainResultData> {
        let counter = self.counter()?;
        let sequences = counter.sequences();
        let words = counter.ensure_words().map_err(map_error)?;
        let trained = trainers::train(&self.spec, words, &|p| self.report(p)).map_err(map_error)?;
        let json = trainers::tokenizer_json(&self.spec, &trained).map_err(map_error)?;
        self.report(Progress {
            stage: "done",
            current: 1,
            total: 1,
        });
        Ok(TrainResultData {
            json,
            vocab_size: trained.vocab().len() as u32,
            words: words.len() as u32,
            sequences: sequences as f64,
        })
    }
}

pub struct FeedBatchTask {
    shared: Arc<Shared>,
    batch: Vec<String>,
}

impl Task for FeedBatchTask {
    type Output = ();
    type JsValue = ();

    fn compute(&mut self) -> napi::Result<()> {
        self.shared.feed_batch(&self.batch)
    }

    fn resolve(&mut self, _env: Env, _output: ()) -> napi::Result<()> {
        Ok(())
    }
}

pub struct FeedFilesTask {
    shared: Arc<Shared>,
    files: Vec<String>,
}

impl Task for FeedFilesTask {
    type Output = ();
    type JsValue = ();

    fn compute(&mut self) -> napi::Result<()> {
        self.shared.feed_files(&self.files)
    }

    fn resolve(&mut self, _env: Env, _output: ()) -> napi::Result<()> {
        Ok(())
    }
}

pub struct TrainTask {
    shared: Arc<Shared>,
}

impl Task for TrainTask {
    type Output = TrainResultData;
    type JsValue = TrainResultData;

    fn compute(&mut self) -> napi::Result<TrainResultData> {
        self.shared.train()
    }

    fn resolve(&mut self, _env: Env, output: TrainResultData) -> napi::Result<TrainResultData> {
        Ok(output)
    }
}

/// A training run: options, then word counts fed from files and/or batches, then `train`.
#[napi]
pub struct NativeTrainer {
    shared: Arc<Shared>,
}

#[napi]
impl NativeTrainer {
    /// `options_json`: the camelCase options (`model`, `vocabSize`, ...), see `TrainSpec`.
    #[napi(factory)]
    pub fn create(options_json: String) -> napi::Result<Self> {
        let spec = TrainSpec::from_json(&options_json).map_err(map_error)?;
        let splitter = spec.splitter().map_err(map_error)?;
        Ok(Self {
            shared: Arc::new(Shared {
                spec,
                counter: Mutex::new(WordCounter::new(splitter)),
                progress: Mutex::new(TrainProgressData {
                    stage: "idle".into(),
                    current: 0.0,
                    total: 0.0,
                }),
            }),
        })
    }

    /// Counts the words of a batch of strings on worker threads.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn feed_batch(&self, batch: Vec<String>) -> AsyncTask<FeedBatchTask> {
        AsyncTask::new(FeedBatchTask {
            shared: Arc::clone(&self.shared),
            batch,
        })
    }

    #[napi]
    pub fn feed_batch_sync(&self, batch: Vec<String>) -> napi::Result<()> {
        self.shared.feed_batch(&batch)
    }

    /// Streams files line by line (lines keep their newline, as HF) and counts their words.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn feed_files(&self, files: Vec<String>) -> AsyncTask<FeedFilesTask> {
        AsyncTask::new(FeedFilesTask {
            shared: Arc::clone(&self.shared),
            files,
        })
    }

    #[napi]
    pub fn feed_files_sync(&self, files: Vec<String>) -> napi::Result<()> {
        self.shared.feed_files(&files)
    }

    /// Trains on the words counted so far; resolves with the `tokenizer.json` text.
    #[napi(ts_return_type = "Promise<TrainResultData>")]
    pub fn train(&self) -> AsyncTask<TrainTask> {
        AsyncTask::new(TrainTask {
            shared: Arc::clone(&self.shared),
        })
    }

    #[napi]
    pub fn train_sync(&self) -> napi::Result<TrainResultData> {
        self.shared.train()
    }

    /// The latest progress event (poll it while a task runs).
    #[napi]
    pub fn progress(&self) -> TrainProgressData {
        self.shared
            .progress
            .lock()
            .map(|g| g.clone())
            .unwrap_or(TrainProgressData {
                stage: "unknown".into(),
                current: 0.0,
                total: 0.0,
            })
    }
}
