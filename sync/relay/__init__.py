"""The minimal blind relay: stores and forwards opaque envelopes.

It imports nothing from the client (``delegate_app``).
"""
