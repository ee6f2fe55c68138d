"""All cryptography of Delegate lives in this package; it is the only one importing ``nacl``."""
