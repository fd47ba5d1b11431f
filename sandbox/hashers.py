from django.contrib.auth.hashers import PBKDF2PasswordHasher


class SandboxPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """PBKDF2 at a sandbox-friendly cost (about 20 ms instead of Django's ~0.5 s here).

    The algorithm name stays "pbkdf2_sha256", so the stored hashes are ordinary Django hashes
    that any Django install can verify.
    """

    iterations = 50_000
