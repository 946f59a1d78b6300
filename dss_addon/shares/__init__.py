"""Shares: the model, their lifecycle, secrets and PINs."""
