//! What the recognisers produce: a code block's commands with their class,
//! native probe, captures, expectations and variables. The planner consumes
//! these; they are not part of the plan itself.

use crate::check::{Expectation, Target};
use crate::profile::Class;
use serde::Serialize;

/// A value a check captures for later checks (`ID=$(curl … | jq -r .id)`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Capture {
    pub var: String,
    /// The jq path, such as `.id`.
    pub path: String,
}

/// What the recognisers made of one command of a code block.
#[derive(Debug, Clone)]
pub struct Command {
    /// 0-based line within the block.
    pub line_offset: usize,
    pub text: String,
    pub class: Class,
    /// Why the command is not `read` (`writes to a file (`> out.json`)`).
    pub class_reason: Option<String>,
    /// The native probe for it, with host-mapped but unsubstituted strings
    /// still to be mapped; `None` when only a shell can run it.
    pub native: Option<Target>,
    pub capture: Option<Capture>,
    pub expect: Vec<Expectation>,
    /// Program names the command runs (for "not installed" checks).
    pub programs: Vec<String>,
    /// Variables it needs from outside.
    pub needs: Vec<String>,
    /// Variables it defines for later commands of the same block.
    pub defines: Vec<String>,
    /// Harmless bookkeeping (`export X=…`, `echo`, `sleep`): needs no check.
    pub inert: bool,
    /// Why the command never ends by itself (`docker logs -f`, `watch …`),
    /// when it does not: it must not run as a finite check.
    pub never_ends: Option<String>,
}

/// What the recognisers made of a whole code block.
#[derive(Debug, Clone)]
pub struct BlockAnalysis {
    pub commands: Vec<Command>,
    /// The block's class: the most dangerous command's.
    pub class: Class,
    /// The command that set it.
    pub decided_by: String,
    /// Why that command is not read, when it is not (`sed -i` edits in place).
    pub decided_why: Option<String>,
    /// Expectations written for the whole block (`# MUST SEE: …` after it).
    pub expect: Vec<Expectation>,
}

/// Something that can analyse a code block. The recognisers implement it;
/// tests can give their own.
pub type Analyzer = dyn Fn(&str, Option<&str>) -> BlockAnalysis;
