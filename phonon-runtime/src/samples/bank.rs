//! The sample library: finds Dirt-Samples style banks (a folder per name,
//! files sorted by name) in the search folders, falls back to the embedded
//! default kit, resolves `bd:3` to a file and loads it once per output rate.
//! Runs off the audio thread; the audio side only gets [`SharedSample`]s.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::ffi::OsString;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use super::buffer::{SampleBuffer, SharedSample};
use super::decode::decode_audio;
use super::kit::{EmbeddedFile, EMBEDDED_KIT};
use super::resample::resample;
use super::warning::SampleWarning;

/// The environment variable that names extra sample folders (several are
/// separated as in `PATH`: `:` on Unix, `;` on Windows).
pub const SAMPLES_ENV_VAR: &str = "PHONON_SAMPLES";

/// SuperDirt's sample folder, relative to the home folder (Linux layout).
pub const SUPERDIRT_LINUX_DIR: &str = ".local/share/SuperCollider/downloaded-quarks/Dirt-Samples";

/// SuperDirt's sample folder, relative to the home folder (macOS layout).
pub const SUPERDIRT_MACOS_DIR: &str =
    "Library/Application Support/SuperCollider/downloaded-quarks/Dirt-Samples";

/// File extensions read as samples (compared without regard to case).
pub const AUDIO_EXTENSIONS: [&str; 6] = ["wav", "wave", "flac", "ogg", "oga", "mp3"];

/// The inputs of the search order, passed in so that nothing is read from
/// the process behind the caller's back ([`SearchPaths::from_process`] reads
/// them for the CLI).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchPaths {
    /// The `--samples DIR` flag.
    pub samples_flag: Option<PathBuf>,
    /// The value of `PHONON_SAMPLES`.
    pub env_value: Option<OsString>,
    /// The working folder, whose `samples/` is searched.
    pub working_dir: Option<PathBuf>,
    /// The home folder, under which SuperDirt keeps Dirt-Samples.
    pub home_dir: Option<PathBuf>,
}

/// Which rule of the search order a folder or bank comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RootOrigin {
    /// `--samples DIR`.
    SamplesFlag,
    /// `PHONON_SAMPLES`.
    EnvVar,
    /// `./samples`.
    WorkingDir,
    /// SuperDirt's Dirt-Samples.
    SuperDirt,
    /// The default kit embedded in the binary.
    DefaultKit,
}

impl fmt::Display for RootOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RootOrigin::SamplesFlag => "--samples",
            RootOrigin::EnvVar => SAMPLES_ENV_VAR,
            RootOrigin::WorkingDir => "./samples",
            RootOrigin::SuperDirt => "SuperDirt",
            RootOrigin::DefaultKit => "default kit",
        })
    }
}

/// A folder searched for banks, and the rule that put it there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleRoot {
    /// The rule.
    pub origin: RootOrigin,
    /// The folder whose subfolders are banks.
    pub dir: PathBuf,
}

impl SearchPaths {
    /// Reads `PHONON_SAMPLES`, the working folder and `HOME` from the process.
    pub fn from_process(samples_flag: Option<PathBuf>) -> Self {
        SearchPaths {
            samples_flag,
            env_value: std::env::var_os(SAMPLES_ENV_VAR),
            working_dir: std::env::current_dir().ok(),
            home_dir: std::env::var_os("HOME").map(PathBuf::from),
        }
    }

    /// The folders to search, first match wins: `--samples`, each folder of
    /// `PHONON_SAMPLES`, `./samples`, then SuperDirt's folder. The default kit
    /// comes after all of them and is not a folder.
    pub fn roots(&self) -> Vec<SampleRoot> {
        let mut roots = Vec::new();
        let mut push = |origin, dir: PathBuf| roots.push(SampleRoot { origin, dir });
        if let Some(dir) = &self.samples_flag {
            push(RootOrigin::SamplesFlag, dir.clone());
        }
        if let Some(value) = self.env_value.as_ref().filter(|value| !value.is_empty()) {
            for dir in std::env::split_paths(value).filter(|dir| !dir.as_os_str().is_empty()) {
                push(RootOrigin::EnvVar, dir);
            }
        }
        if let Some(cwd) = &self.working_dir {
            push(RootOrigin::WorkingDir, cwd.join("samples"));
        }
        if let Some(home) = &self.home_dir {
            push(RootOrigin::SuperDirt, home.join(SUPERDIRT_LINUX_DIR));
            push(RootOrigin::SuperDirt, home.join(SUPERDIRT_MACOS_DIR));
        }
        roots
    }
}

/// A sample name: a bank and an index into its files, `bd:3` or `bd` (`bd:0`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SampleKey {
    /// Bank (folder) name.
    pub bank: String,
    /// Index into the bank's files sorted by name; wraps around both ways.
    pub index: i64,
}

impl SampleKey {
    /// A key from its parts.
    pub fn new(bank: impl Into<String>, index: i64) -> Self {
        SampleKey {
            bank: bank.into(),
            index,
        }
    }

    /// Reads `name` or `name:index` (the index an integer, possibly negative).
    pub fn parse(text: &str) -> Result<Self, SampleWarning> {
        let bad_name = || SampleWarning::BadName {
            text: text.to_string(),
        };
        let (bank, index) = match text.rsplit_once(':') {
            Some((bank, index)) => (bank, index.parse::<i64>().map_err(|_| bad_name())?),
            None => (text, 0),
        };
        if bank.is_empty() || bank.contains(['/', '\\', ':']) || bank.trim() != bank {
            return Err(bad_name());
        }
        Ok(SampleKey::new(bank, index))
    }
}

impl fmt::Display for SampleKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.bank, self.index)
    }
}

/// One file of a bank: on disk, or embedded in the binary (the default kit).
#[derive(Debug, Clone, PartialEq, Eq)]
enum SampleFile {
    Disk(PathBuf),
    Embedded(&'static EmbeddedFile),
}

/// What identifies a file in the cache, with the rate it was loaded at.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum CacheKey {
    Disk(PathBuf, u32),
    Embedded(&'static str, &'static str, u32),
}

impl SampleFile {
    /// The path shown to the user; `kit/<bank>/<file>` for the embedded kit.
    fn display_path(&self) -> PathBuf {
        match self {
            SampleFile::Disk(path) => path.clone(),
            SampleFile::Embedded(file) => Path::new("kit").join(file.bank).join(file.file_name),
        }
    }

    fn extension(&self) -> Option<String> {
        let path = self.display_path();
        let extension = path.extension()?.to_str()?;
        Some(extension.to_ascii_lowercase())
    }

    fn read(&self) -> std::io::Result<Cow<'static, [u8]>> {
        match self {
            SampleFile::Disk(path) => fs::read(path).map(Cow::Owned),
            SampleFile::Embedded(file) => Ok(Cow::Borrowed(file.bytes)),
        }
    }

    fn cache_key(&self, rate: u32) -> CacheKey {
        match self {
            SampleFile::Disk(path) => CacheKey::Disk(path.clone(), rate),
            SampleFile::Embedded(file) => CacheKey::Embedded(file.bank, file.file_name, rate),
        }
    }
}

#[derive(Debug, Clone)]
struct Bank {
    origin: RootOrigin,
    files: Vec<SampleFile>,
}

/// A bank as listed by [`SampleLibrary::banks`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BankInfo<'a> {
    /// Bank (folder) name.
    pub name: &'a str,
    /// Where it was found.
    pub origin: RootOrigin,
    /// How many files it holds.
    pub file_count: usize,
}

/// A name resolved to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedSample<'a> {
    /// Bank (folder) name.
    pub bank: &'a str,
    /// The index after wrap-around: `bd:5` in a bank of 4 is index 1.
    pub index: usize,
    /// Where the bank was found.
    pub origin: RootOrigin,
    file: &'a SampleFile,
}

impl ResolvedSample<'_> {
    /// The file, or `kit/<bank>/<file>` for the embedded kit.
    pub fn path(&self) -> PathBuf {
        self.file.display_path()
    }
}

/// Every bank reachable through the search order, and a cache of loaded
/// buffers. Built once (it scans the folders), then shared: loading takes
/// `&self` and the cache sits behind a lock that the audio thread never takes.
#[derive(Debug)]
pub struct SampleLibrary {
    roots: Vec<SampleRoot>,
    banks: BTreeMap<String, Bank>,
    scan_warnings: Vec<SampleWarning>,
    cache: Mutex<HashMap<CacheKey, SharedSample>>,
}

impl SampleLibrary {
    /// Scans the folders of `paths` in search order, then adds the default
    /// kit's banks that no folder provides. Unreadable `--samples` or
    /// `PHONON_SAMPLES` folders become [`SampleLibrary::scan_warnings`]; a
    /// missing `./samples` or SuperDirt folder is normal and silent.
    pub fn new(paths: &SearchPaths) -> Self {
        let roots = paths.roots();
        let mut banks = BTreeMap::new();
        let mut scan_warnings = Vec::new();
        for root in &roots {
            match scan_root(&root.dir) {
                Ok(found) => {
                    for (name, files) in found {
                        banks.entry(name).or_insert(Bank {
                            origin: root.origin,
                            files,
                        });
                    }
                }
                Err(error) => {
                    let given_by = match root.origin {
                        RootOrigin::SamplesFlag => Some("--samples"),
                        RootOrigin::EnvVar => Some(SAMPLES_ENV_VAR),
                        _ => None,
                    };
                    if let Some(given_by) = given_by {
                        scan_warnings.push(SampleWarning::MissingFolder {
                            path: root.dir.clone(),
                            given_by,
                            reason: error.to_string(),
                        });
                    }
                }
            }
        }
        for file in EMBEDDED_KIT {
            let bank = banks.entry(file.bank.to_string()).or_insert(Bank {
                origin: RootOrigin::DefaultKit,
                files: Vec::new(),
            });
            if bank.origin == RootOrigin::DefaultKit {
                bank.files.push(SampleFile::Embedded(file));
            }
        }
        SampleLibrary {
            roots,
            banks,
            scan_warnings,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Only the default kit: no folder is searched.
    pub fn default_kit() -> Self {
        SampleLibrary::new(&SearchPaths::default())
    }

    /// The folders searched, in order.
    pub fn roots(&self) -> &[SampleRoot] {
        &self.roots
    }

    /// Problems met while scanning the folders.
    pub fn scan_warnings(&self) -> &[SampleWarning] {
        &self.scan_warnings
    }

    /// Every bank, sorted by name.
    pub fn banks(&self) -> impl Iterator<Item = BankInfo<'_>> {
        self.banks.iter().map(|(name, bank)| BankInfo {
            name,
            origin: bank.origin,
            file_count: bank.files.len(),
        })
    }

    /// Finds the file a key names: the bank from the first folder that has
    /// it, the index wrapped around the bank's file count.
    pub fn resolve(&self, key: &SampleKey) -> Result<ResolvedSample<'_>, SampleWarning> {
        let Some((name, bank)) = self.banks.get_key_value(&key.bank) else {
            return Err(SampleWarning::UnknownBank {
                bank: key.bank.clone(),
                nearest: self.nearest_banks(&key.bank),
            });
        };
        // Banks are never empty: a folder without audio files is not a bank.
        let count = bank.files.len() as i64;
        let index = key.index.rem_euclid(count) as usize;
        Ok(ResolvedSample {
            bank: name,
            index,
            origin: bank.origin,
            file: &bank.files[index],
        })
    }

    /// Up to three bank names nearest to `name` by edit distance (with
    /// transpositions), nearest first; names sharing nothing are left out.
    pub fn nearest_banks(&self, name: &str) -> Vec<String> {
        let mut scored: Vec<(usize, &String)> = self
            .banks
            .keys()
            .map(|bank| (strsim::damerau_levenshtein(name, bank), bank))
            .filter(|(distance, bank)| *distance < name.chars().count().max(bank.chars().count()))
            .collect();
        scored.sort();
        scored
            .into_iter()
            .take(3)
            .map(|(_, bank)| bank.clone())
            .collect()
    }

    /// Loads the file a key names, decoded and converted to `rate`. Each
    /// file is decoded once per rate; later calls share the same buffer.
    pub fn load(&self, key: &SampleKey, rate: u32) -> Result<SharedSample, SampleWarning> {
        let resolved = self.resolve(key)?;
        let cache_key = resolved.file.cache_key(rate);
        if let Some(buffer) = self.lock_cache().get(&cache_key) {
            return Ok(Arc::clone(buffer));
        }
        let unreadable = |reason: String| SampleWarning::Unreadable {
            name: key.to_string(),
            path: resolved.path(),
            reason,
        };
        let bytes = resolved
            .file
            .read()
            .map_err(|e| unreadable(e.to_string()))?;
        let decoded = decode_audio(&bytes, resolved.file.extension().as_deref())
            .map_err(|e| unreadable(e.to_string()))?;
        let converted = resample(&decoded, rate).map_err(|e| unreadable(e.to_string()))?;
        let shared = Arc::new(converted);
        self.lock_cache().insert(cache_key, Arc::clone(&shared));
        Ok(shared)
    }

    /// Loads every name (`bd`, `sn:2`, ...) at `rate`, to be called before a
    /// program is swapped in. Every name gets an entry: a name that fails
    /// maps to an empty (silent) buffer, and its warning is listed once.
    pub fn load_all<'n>(
        &self,
        names: impl IntoIterator<Item = &'n str>,
        rate: u32,
    ) -> (HashMap<String, SharedSample>, Vec<SampleWarning>) {
        let silence = Arc::new(SampleBuffer::silence(rate));
        let mut loaded = HashMap::new();
        let mut warnings = Vec::new();
        for name in names {
            if loaded.contains_key(name) {
                continue;
            }
            let buffer = SampleKey::parse(name)
                .and_then(|key| self.load(&key, rate))
                .unwrap_or_else(|warning| {
                    if !warnings.contains(&warning) {
                        warnings.push(warning);
                    }
                    Arc::clone(&silence)
                });
            loaded.insert(name.to_string(), buffer);
        }
        (loaded, warnings)
    }

    /// The cache survives a panic elsewhere: its entries are whole `Arc`s.
    fn lock_cache(&self) -> std::sync::MutexGuard<'_, HashMap<CacheKey, SharedSample>> {
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The banks directly under `dir`: each subfolder (hidden ones skipped) with
/// at least one audio file, its files sorted by name (byte order).
fn scan_root(dir: &Path) -> std::io::Result<Vec<(String, Vec<SampleFile>)>> {
    let mut banks = Vec::new();
    for entry in fs::read_dir(dir)?.flatten() {
        let path = entry.path();
        let Some(name) = visible_name(&path) else {
            continue;
        };
        if !path.is_dir() {
            continue;
        }
        let Ok(listing) = fs::read_dir(&path) else {
            continue;
        };
        let mut files: Vec<PathBuf> = listing
            .flatten()
            .map(|file| file.path())
            .filter(|file| visible_name(file).is_some() && is_audio_file(file) && file.is_file())
            .collect();
        files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
        if !files.is_empty() {
            banks.push((name, files.into_iter().map(SampleFile::Disk).collect()));
        }
    }
    Ok(banks)
}

/// The file name, unless it is hidden (`.DS_Store`, `._bd.wav`) or not UTF-8.
fn visible_name(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    (!name.starts_with('.')).then(|| name.to_string())
}

fn is_audio_file(path: &Path) -> bool {
    path.extension()
        .and_then(|extension| extension.to_str())
        .is_some_and(|extension| {
            AUDIO_EXTENSIONS
                .iter()
                .any(|known| known.eq_ignore_ascii_case(extension))
        })
}
