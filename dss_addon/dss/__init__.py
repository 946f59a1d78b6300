"""The add-on's access to the dSS: JSON client, application tokens, per-share upstream sessions."""
