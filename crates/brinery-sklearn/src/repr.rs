pub fn sklearn_repr(_: brinery::NodeRef<'_, '_>) -> crate::Result<String> { Ok(String::new()) }
