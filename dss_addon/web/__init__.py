"""HTTP edge: the owner site, the share site and what they share."""
