"""This profile's identity and its contacts: cards, verification and key changes."""
