pub fn export_trees() {}
