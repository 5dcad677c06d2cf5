"""Files go to the local disk by default and to S3-compatible storage when a bucket is configured."""

import re
import time

from config.stockage import stockage_par_defaut


def test_local_disk_by_default(monkeypatch):
    monkeypatch.delenv("CLAUSES_S3_BUCKET", raising=False)
    assert stockage_par_defaut() == {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def test_s3_from_the_environment(monkeypatch):
    monkeypatch.setenv("CLAUSES_S3_BUCKET", "clauses-documents")
    monkeypatch.setenv("CLAUSES_S3_ENDPOINT_URL", "https://s3.fr-par.scw.cloud")
    monkeypatch.setenv("CLAUSES_S3_REGION", "fr-par")
    monkeypatch.setenv("CLAUSES_S3_ACCESS_KEY_ID", "cle")
    monkeypatch.setenv("CLAUSES_S3_SECRET_ACCESS_KEY", "secret")
    stockage = stockage_par_defaut()
    assert stockage["BACKEND"] == "storages.backends.s3.S3Storage"
    options = stockage["OPTIONS"]
    assert options["bucket_name"] == "clauses-documents"
    assert options["endpoint_url"] == "https://s3.fr-par.scw.cloud"
    # Private files, links that expire, no silent overwrite of a report or a signed convention.
    assert (options["default_acl"], options["querystring_auth"], options["file_overwrite"]) == ("private", True, False)


def test_the_s3_backend_accepts_these_options(monkeypatch):
    """The options are the backend's own: building it (no network) fails on a misspelt one."""
    from storages.backends.s3 import S3Storage

    monkeypatch.setenv("CLAUSES_S3_BUCKET", "clauses-documents")
    monkeypatch.setenv("CLAUSES_S3_ENDPOINT_URL", "http://127.0.0.1:9000")
    monkeypatch.setenv("CLAUSES_S3_ACCESS_KEY_ID", "cle")
    monkeypatch.setenv("CLAUSES_S3_SECRET_ACCESS_KEY", "secret")
    stockage = S3Storage(**stockage_par_defaut()["OPTIONS"])
    assert stockage.bucket_name == "clauses-documents"
    lien = stockage.url("rapports/2026/bilan.pdf")
    # Path-style address on the configured endpoint, signed and short-lived.
    assert lien.startswith("http://127.0.0.1:9000/clauses-documents/rapports/2026/bilan.pdf?")
    expire = int(re.search(r"Expires=(\d+)", lien).group(1))
    assert 0 < expire - time.time() <= 300
