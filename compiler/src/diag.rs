//! Diagnostics: what went wrong, where, and what to do about it.
//!
//! Every stage reports user-facing problems as `Diagnostic`s with a byte span
//! into the source file; rendering (snippet, caret, hint) is codespan-reporting's job.

use codespan_reporting::diagnostic::{Diagnostic as Report, Label};
use codespan_reporting::files::{Error as FilesError, Files};
use codespan_reporting::term::{self, Config};
use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    pub span: Range<usize>,
    pub label: String,
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn error(span: Range<usize>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            span,
            label: String::new(),
            hint: None,
        }
    }

    pub fn warning(span: Range<usize>, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(span, message) }
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// The text of one source file, with what diagnostics need to locate offsets.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as it is shown to the user.
    pub display_path: String,
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(display_path: impl Into<String>, text: impl Into<String>) -> Self {
        let text = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile { display_path: display_path.into(), text, line_starts }
    }

    /// 1-based line of a byte offset.
    pub fn line_of(&self, offset: usize) -> u32 {
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i as u32 + 1,
            Err(i) => i as u32,
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (u32, u32) {
        let line = self.line_of(offset);
        let start = self.line_starts[line as usize - 1];
        let end = offset.min(self.text.len());
        let col = self.text.get(start..end).map_or(end - start, |s| s.chars().count()) + 1;
        (line, col as u32)
    }

    /// Byte range of a 1-based line, without its newline.
    pub fn line_range(&self, line: u32) -> Range<usize> {
        let start = self.line_starts.get(line as usize - 1).copied().unwrap_or(self.text.len());
        let end = self
            .line_starts
            .get(line as usize)
            .map_or(self.text.len(), |next| next - 1);
        start..end.max(start)
    }

    pub fn line_count(&self) -> u32 {
        self.line_starts.len() as u32
    }

    /// `path:line:col: severity: message`, then the snippet with a caret and the hint.
    pub fn render(&self, diag: &Diagnostic) -> String {
        let span = clamp_to_char_boundaries(&self.text, diag.span.clone());
        let (line, col) = self.line_col(span.start);
        let severity = match diag.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut report = match diag.severity {
            Severity::Error => Report::error(),
            Severity::Warning => Report::warning(),
        }
        .with_message(diag.message.clone())
        .with_labels(vec![Label::primary((), span).with_message(diag.label.clone())]);
        if let Some(hint) = &diag.hint {
            report = report.with_notes(vec![format!("hint: {hint}")]);
        }
        // codespan's header line plus the `┌─ path:line:col` locator is the
        // whole report; it already names file, line and column once.
        term::emit_into_string(&Config::default(), self, &report)
            .unwrap_or_else(|_| format!("{severity}: {}\n  at {}:{line}:{col}\n", diag.message, self.display_path))
    }
}

/// codespan-reporting reads lines through our line table: its `SimpleFile`
/// rescans the whole text for every report, quadratic over many warnings.
impl<'a> Files<'a> for SourceFile {
    type FileId = ();
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, (): ()) -> Result<&'a str, FilesError> {
        Ok(&self.display_path)
    }

    fn source(&'a self, (): ()) -> Result<&'a str, FilesError> {
        Ok(&self.text)
    }

    fn line_index(&'a self, (): (), byte_index: usize) -> Result<usize, FilesError> {
        Ok(self.line_starts.binary_search(&byte_index).unwrap_or_else(|next| next - 1))
    }

    fn line_range(&'a self, (): (), line_index: usize) -> Result<Range<usize>, FilesError> {
        let start = |i: usize| match i.cmp(&self.line_starts.len()) {
            std::cmp::Ordering::Less => Ok(self.line_starts[i]),
            std::cmp::Ordering::Equal => Ok(self.text.len()),
            std::cmp::Ordering::Greater => Err(FilesError::LineTooLarge { given: i, max: self.line_starts.len() - 1 }),
        };
        Ok(start(line_index)?..start(line_index + 1)?)
    }
}

fn clamp_to_char_boundaries(text: &str, span: Range<usize>) -> Range<usize> {
    let mut start = span.start.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = span.end.clamp(start, text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based() {
        let f = SourceFile::new("m.py", "a = 1\nbc = é + 2\n");
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(6), (2, 1));
        let plus = f.text.find('+').unwrap();
        assert_eq!(f.line_col(plus), (2, 8));
        assert_eq!(f.line_range(2), 6..f.text.len() - 1);
    }
}
