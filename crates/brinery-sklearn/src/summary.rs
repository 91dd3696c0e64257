pub fn summary() {}
