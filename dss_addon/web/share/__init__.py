"""The share site: redemption, the electrician's pages and the policy-checked dSS proxy."""
