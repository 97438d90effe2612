//! The consent gate: owns whether anything may run.
//!
//! `Unknown` behaves exactly like `Denied`: nothing is read, observed, stored
//! or sent. Only `Granted` lets the binding start; any move away from it stops
//! the recorder at once and drops what is unsent.

/// The normalised consent state of every CMP adapter.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ConsentState {
    /// No decision yet (banner shown, CMP absent or broken): acts as denied.
    #[default]
    Unknown,
    /// The visitor agreed to session replay.
    Granted,
    /// The visitor refused or withdrew.
    Denied,
}

/// What the binding must do after a signal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transition {
    /// Nothing changes.
    None,
    /// Start a new session: decide sampling, take a full snapshot.
    Start,
    /// Stop now: remove observers and timers, drop buffers and the session id.
    Stop,
}

/// The gate itself.
#[derive(Clone, Debug, Default)]
pub struct ConsentGate {
    state: ConsentState,
}

impl ConsentGate {
    /// A closed gate (state `Unknown`).
    pub fn new() -> Self {
        Self::default()
    }

    /// The current state.
    pub fn state(&self) -> ConsentState {
        self.state
    }

    /// Whether recording may run.
    pub fn is_open(&self) -> bool {
        self.state == ConsentState::Granted
    }

    /// Applies a signal from an adapter and says what to do.
    pub fn apply(&mut self, signal: ConsentState) -> Transition {
        let was_open = self.is_open();
        self.state = signal;
        match (was_open, self.is_open()) {
            (false, true) => Transition::Start,
            (true, false) => Transition::Stop,
            _ => Transition::None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ConsentState::*;

    #[test]
    fn unknown_is_closed() {
        let g = ConsentGate::new();
        assert!(!g.is_open());
        assert_eq!(g.state(), Unknown);
    }

    #[test]
    fn transitions() {
        let mut g = ConsentGate::new();
        assert_eq!(g.apply(Denied), Transition::None);
        assert_eq!(g.apply(Granted), Transition::Start);
        assert_eq!(g.apply(Granted), Transition::None);
        assert_eq!(g.apply(Unknown), Transition::Stop);
        assert_eq!(g.apply(Granted), Transition::Start);
        assert_eq!(g.apply(Denied), Transition::Stop);
        assert!(!g.is_open());
    }
}
