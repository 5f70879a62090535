"""The weekly digest: what it says (``service.build_digest``) and how it is claimed and sent
once per guild and week (``service.DigestSender``)."""
