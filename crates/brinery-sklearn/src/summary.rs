pub fn is_estimator() {}
pub fn summary() {}
