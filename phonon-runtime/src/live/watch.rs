//! Notices when the program file is saved. It watches the file's folder, not
//! the file: editors that save by writing a temporary file and renaming it
//! over the original replace the file's inode, and a watch on the old inode
//! would go quiet. Events are debounced, and a save that leaves the text as
//! it was (editors that write twice) is not reported again.

use notify_debouncer_mini::notify::{RecommendedWatcher, RecursiveMode};
use notify_debouncer_mini::{new_debouncer, DebounceEventResult, Debouncer};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::Duration;

/// How long the file must be quiet before a change is reported.
pub const DEFAULT_DEBOUNCE: Duration = Duration::from_millis(50);

/// What happened to the watched file.
#[derive(Debug)]
pub enum FileChange {
    /// It was saved with new text.
    Changed(String),
    /// It was deleted or renamed away.
    Missing,
    /// It exists but cannot be read (permissions, not UTF-8).
    Unreadable(std::io::Error),
}

pub struct FileWatcher {
    path: PathBuf,
    file_name: OsString,
    _debouncer: Debouncer<RecommendedWatcher>,
    events: Receiver<DebounceEventResult>,
    last_text: Option<String>,
    missing: bool,
}

impl FileWatcher {
    /// Watches `path`, whose current text (`text`) is already playing.
    pub fn new(
        path: &Path,
        text: &str,
        debounce: Duration,
    ) -> Result<FileWatcher, notify_debouncer_mini::notify::Error> {
        let file_name = path.file_name().map(OsString::from).unwrap_or_default();
        let folder = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let (sender, events) = channel();
        let mut debouncer = new_debouncer(debounce, sender)?;
        debouncer
            .watcher()
            .watch(&folder, RecursiveMode::NonRecursive)?;
        Ok(FileWatcher {
            path: path.to_path_buf(),
            file_name,
            _debouncer: debouncer,
            events,
            last_text: Some(text.to_string()),
            missing: false,
        })
    }

    /// Waits up to `timeout` for the file to change; `None` when nothing
    /// new happened to it.
    pub fn wait(&mut self, timeout: Duration) -> Option<FileChange> {
        let touched = match self.events.recv_timeout(timeout) {
            Ok(Ok(events)) => events
                .iter()
                .any(|event| event.path.file_name() == Some(self.file_name.as_os_str())),
            // A watcher error (such as an overflowed event queue) may have
            // hidden a save: look at the file.
            Ok(Err(_)) => true,
            Err(RecvTimeoutError::Timeout) => false,
            Err(RecvTimeoutError::Disconnected) => {
                std::thread::sleep(timeout);
                true
            }
        };
        if touched || self.missing {
            self.look()
        } else {
            None
        }
    }

    fn look(&mut self) -> Option<FileChange> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => {
                self.missing = false;
                if self.last_text.as_deref() == Some(text.as_str()) {
                    return None;
                }
                self.last_text = Some(text.clone());
                Some(FileChange::Changed(text))
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                if self.missing {
                    return None;
                }
                self.missing = true;
                // When it comes back, report it even if the text is the same.
                self.last_text = None;
                Some(FileChange::Missing)
            }
            Err(error) => Some(FileChange::Unreadable(error)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    fn next_change(watcher: &mut FileWatcher) -> Option<FileChange> {
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Some(change) = watcher.wait(Duration::from_millis(20)) {
                return Some(change);
            }
        }
        None
    }

    #[test]
    fn sees_writes_renames_over_and_deletion() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("song.ph");
        std::fs::write(&path, "out: sine 440\n").unwrap();
        let mut watcher = FileWatcher::new(&path, "out: sine 440\n", DEFAULT_DEBOUNCE).unwrap();

        std::fs::write(&path, "out: sine 220\n").unwrap();
        assert!(
            matches!(next_change(&mut watcher), Some(FileChange::Changed(t)) if t == "out: sine 220\n")
        );

        // An editor's atomic save: write elsewhere, rename over the file.
        let temporary = dir.path().join(".song.ph.swp");
        std::fs::write(&temporary, "out: sine 330\n").unwrap();
        std::fs::rename(&temporary, &path).unwrap();
        assert!(
            matches!(next_change(&mut watcher), Some(FileChange::Changed(t)) if t == "out: sine 330\n")
        );

        std::fs::remove_file(&path).unwrap();
        assert!(matches!(
            next_change(&mut watcher),
            Some(FileChange::Missing)
        ));

        std::fs::write(&path, "out: sine 330\n").unwrap();
        assert!(
            matches!(next_change(&mut watcher), Some(FileChange::Changed(t)) if t == "out: sine 330\n")
        );
    }

    #[test]
    fn saving_the_same_text_twice_reports_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("song.ph");
        std::fs::write(&path, "a\n").unwrap();
        let mut watcher = FileWatcher::new(&path, "a\n", DEFAULT_DEBOUNCE).unwrap();
        std::fs::write(&path, "b\n").unwrap();
        std::thread::sleep(Duration::from_millis(120));
        std::fs::write(&path, "b\n").unwrap();
        assert!(matches!(next_change(&mut watcher), Some(FileChange::Changed(t)) if t == "b\n"));
        let quiet_until = Instant::now() + Duration::from_millis(300);
        while Instant::now() < quiet_until {
            assert!(watcher.wait(Duration::from_millis(20)).is_none());
        }
    }

    #[test]
    fn other_files_in_the_folder_are_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("song.ph");
        std::fs::write(&path, "a\n").unwrap();
        let mut watcher = FileWatcher::new(&path, "a\n", DEFAULT_DEBOUNCE).unwrap();
        std::fs::write(dir.path().join("other.ph"), "b\n").unwrap();
        let quiet_until = Instant::now() + Duration::from_millis(300);
        while Instant::now() < quiet_until {
            assert!(watcher.wait(Duration::from_millis(20)).is_none());
        }
    }
}
