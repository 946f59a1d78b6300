"""The change journal (issue 11): what a share changed in the dSS's configuration, and undo."""
