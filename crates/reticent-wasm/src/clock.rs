//! Event timestamps: `Date.now()`, made monotonic.
//!
//! The wall clock can step backwards (NTP, a user changing the time); the
//! batch format requires events in time order, so a reading never goes below
//! the last one handed out.

/// A monotonic millisecond clock over `Date.now()`.
#[derive(Clone, Debug, Default)]
pub(crate) struct Clock {
    last: u64,
}

impl Clock {
    /// Milliseconds since the Unix epoch, never less than the previous reading.
    pub(crate) fn now(&mut self) -> u64 {
        self.observe(js_sys::Date::now())
    }

    /// Folds one raw reading into the clock.
    fn observe(&mut self, raw: f64) -> u64 {
        // `as` saturates; NaN becomes 0 and is then ignored by `max`.
        let t = if raw.is_finite() { raw as u64 } else { 0 };
        self.last = self.last.max(t);
        self.last
    }
}

#[cfg(test)]
mod tests {
    use super::Clock;

    #[test]
    fn never_goes_backwards() {
        let mut c = Clock::default();
        assert_eq!(c.observe(1_700_000_000_123.7), 1_700_000_000_123);
        assert_eq!(c.observe(1_699_999_999_000.0), 1_700_000_000_123);
        assert_eq!(c.observe(f64::NAN), 1_700_000_000_123);
        assert_eq!(c.observe(-5.0), 1_700_000_000_123);
        assert_eq!(c.observe(1_700_000_000_200.0), 1_700_000_000_200);
    }
}
