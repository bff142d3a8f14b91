//! The report's page: one self-contained HTML file (inline CSS and script,
//! nothing fetched, so it opens offline), every text escaped by `html-escape`.

use super::score::{self, Kind};
use super::{Facts, LineEntry};
use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};
use std::fmt::Write;

const STYLE: &str = "
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.3em; margin: 0 0 .3em; }
header p { margin: .2em 0; }
.legend { color: #555; font-size: .9em; }
.src { font-family: ui-monospace, monospace; font-size: 13px; border: 1px solid #ddd; margin-top: 1em; }
.l { white-space: pre; padding: 0 .4em; display: flex; }
.l.c { cursor: pointer; }
.l.c:hover, .l.c:focus { outline: 1px solid #999; }
.n { color: #888; width: 4em; text-align: right; padding-right: 1em; flex: none; user-select: none; }
.sc { color: #777; width: 3em; text-align: right; padding-right: 1em; flex: none; user-select: none; }
.t { flex: 1; }
.l.c .n::before { content: '+'; float: left; color: #aaa; }
.l.c[aria-expanded=true] .n::before { content: '\u{2212}'; }
.py { background: #e8e8f4; }
.why { color: #55a; font-style: italic; padding-left: 2em; white-space: normal; }
.x { background: #f7f7f7; border-left: 3px solid #cc9; margin: 0 0 .3em 5em; padding: .3em .6em; }
.x h3 { font-size: 1em; margin: .4em 0 .2em; }
.x h4 { font-size: .85em; margin: .3em 0 .1em; color: #555; }
.x pre { margin: 0; font-size: 12px; white-space: pre-wrap; }
.sum { margin: .2em 0; font-family: system-ui, sans-serif; }
";

const SCRIPT: &str = "
document.querySelectorAll('.l.c').forEach(function (line) {
  function toggle() {
    var code = line.nextElementSibling;
    code.hidden = !code.hidden;
    line.setAttribute('aria-expanded', String(!code.hidden));
  }
  line.addEventListener('click', toggle);
  line.addEventListener('keydown', function (e) {
    if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); toggle(); }
  });
});
";

/// The whole page for `source` (the text the compiler read).
pub fn page(source: &str, facts: &Facts) -> String {
    let mut out = String::with_capacity(source.len() * 4);
    let title = text(facts.file);
    let _ = write!(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>pyc-aot: {title}</title>\n<style>{STYLE}");
    for k in 1..=9u32 {
        let _ = writeln!(out, ".s{k} {{ background: rgb(255, 255, {}); }}", 255 - 22 * k);
    }
    out.push_str("</style>\n</head>\n<body>\n");
    header(&mut out, facts);
    out.push_str("<div class=\"src\">\n");
    // A final newline ends the last line; it starts no line of its own.
    for (k, line) in source.strip_suffix('\n').unwrap_or(source).split('\n').enumerate() {
        let n = k as u32 + 1;
        let entries = facts.lines.get(&n).map(Vec::as_slice).unwrap_or(&[]);
        source_line(&mut out, n, line, entries, facts);
    }
    let _ = write!(out, "</div>\n<script>{SCRIPT}</script>\n</body>\n</html>\n");
    out
}

fn header(out: &mut String, facts: &Facts) {
    let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let _ = write!(
        out,
        "<header>\n<h1>{}</h1>\n<p>target <b>{}</b> · compiled in {:.0} ms · <span class=\"counts\">{} native, {} left to Python</span></p>\n",
        text(facts.file),
        text(facts.target),
        facts.elapsed_ms,
        plural(facts.native, "function", "functions"),
        facts.left.len()
    );
    out.push_str(
        "<p class=\"legend\">Yellow lines call into the Python C-API (boxing, unboxing, reference counts, \
         exception checks and raises); the deeper the yellow, the more. White lines run as native code. \
         Blue lines are functions left to Python. Click a numbered line with a <b>+</b> for the MIR, \
         Cranelift IR and machine code generated for it.</p>\n</header>\n",
    );
}

fn source_line(out: &mut String, n: u32, line: &str, entries: &[LineEntry], facts: &Facts) {
    let left = facts.left.iter().find(|l| l.line == n);
    let tally = score::tally(entries.iter().flat_map(|e| &e.code.calls));
    let mut class = format!("l s{}", score::shade(tally.score));
    if !entries.is_empty() {
        class.push_str(" c");
    }
    if left.is_some() {
        class.push_str(" py");
    }
    let clickable = if entries.is_empty() { String::new() } else { " tabindex=\"0\" role=\"button\" aria-expanded=\"false\"".to_string() };
    let shown_score = if entries.is_empty() { String::new() } else { tally.score.to_string() };
    let _ = write!(out, "<div class=\"{class}\" id=\"L{n}\" data-line=\"{n}\" data-score=\"{}\"{clickable}><span class=\"n\">{n}</span><span class=\"sc\">{shown_score}</span><span class=\"t\">{}</span>", tally.score, text(line));
    if let Some(l) = left {
        let _ = write!(out, "<span class=\"why\" title=\"{}\">left to Python: {}</span>", attr(&l.reason), text(&l.reason));
    }
    out.push_str("</div>\n");
    if entries.is_empty() {
        return;
    }
    let _ = write!(out, "<div class=\"x\" id=\"X{n}\" hidden>\n<p class=\"sum\">{}</p>\n", summary(&tally, entries));
    for e in entries {
        let _ = write!(out, "<section class=\"fn\">\n<h3>{}</h3>\n", text(e.function));
        if let Some(mir) = e.mir {
            let _ = write!(out, "<h4>MIR</h4>\n<pre class=\"mir\">{}</pre>\n", text(mir.trim_end()));
        }
        if !e.code.clif.is_empty() {
            let _ = write!(out, "<h4>Cranelift IR</h4>\n<pre class=\"clif\">{}</pre>\n", text(&e.code.clif.join("\n")));
        }
        if !e.code.asm.is_empty() {
            let _ = write!(out, "<h4>Machine code</h4>\n<pre class=\"asm\">{}</pre>\n", text(&e.code.asm.join("\n")));
        }
        out.push_str("</section>\n");
    }
    out.push_str("</div>\n");
}

/// "2 boxing, 1 exception checks and raises (PyLong_FromLong, …)" or "native code only".
fn summary(tally: &score::Tally, entries: &[LineEntry]) -> String {
    let parts: Vec<String> =
        Kind::ALL.iter().filter(|k| tally.counts[**k as usize] > 0).map(|k| format!("{} {}", tally.counts[*k as usize], k.label())).collect();
    if parts.is_empty() {
        return "native code only: no call into the Python C-API".to_string();
    }
    let mut called: Vec<&str> = entries.iter().flat_map(|e| &e.code.calls).map(String::as_str).filter(|c| score::classify(c).is_some()).collect();
    called.sort_unstable();
    called.dedup();
    format!("score {}: {} ({})", tally.score, parts.join(", "), text(&called.join(", ")))
}
