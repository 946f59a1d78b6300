"""The owner site: the homeowner's tab in the configurator and its JSON API."""
