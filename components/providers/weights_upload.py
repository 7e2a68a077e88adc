"""WeightsUpload: copy model weights (a local directory or a Hugging Face repo) into S3, resumably.

Resuming is per file: an object already in S3 with the same size and SHA-256 (kept in its
metadata) is skipped, so an interrupted `deploy up` continues where it stopped.
Progress goes to the Pulumi log, which `deploy up` shows live. A changed source or destination
uploads again; destroy leaves the objects, which go with the deployment's bucket.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Optional

import pulumi
import pulumi.dynamic

from . import _aws
from ._base import AwsResourceProvider

# What Bedrock Custom Model Import reads: the config, the tokenizer and safetensors weights.
WEIGHT_PATTERNS = (
    "config.json",
    "generation_config.json",
    "tokenizer*",
    "special_tokens_map.json",
    "*.safetensors",
    "*.safetensors.index.json",
)
SHA_KEY = "sha256"
# A change of any of these uploads again; the objects are never changed in place.
REPLACE_KEYS = ("source", "revision", "bucket", "prefix", "region", "kms_key_arn")
OUTPUT_KEYS = ("s3_uri", "files", "uploaded", "skipped", "bytes")


@dataclass(frozen=True)
class LocalFile:
    path: str
    key: str
    size: int


def wanted(name: str) -> bool:
    return any(fnmatch.fnmatch(name, pattern) for pattern in WEIGHT_PATTERNS)


def local_files(directory: str, prefix: str) -> list[LocalFile]:
    """The weight files of a Hugging Face model directory, as S3 keys under `prefix`."""
    files = []
    for root, _, names in os.walk(directory):
        for name in sorted(names):
            path = os.path.join(root, name)
            relative = os.path.relpath(path, directory).replace(os.sep, "/")
            if wanted(name) and "/." not in f"/{relative}":
                files.append(LocalFile(path, f"{prefix.rstrip('/')}/{relative}", os.path.getsize(path)))
    if not any(f.key.endswith("/config.json") for f in files):
        raise RuntimeError(
            f"{directory} has no config.json: "
            "give a Hugging Face model directory (config.json, tokenizer, *.safetensors)"
        )
    return files


def sha256_of(path: str, chunk: int = 8 * 1024 * 1024) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def already_there(s3: Any, bucket: str, file: LocalFile, sha: str) -> bool:
    try:
        head = s3.head_object(Bucket=bucket, Key=file.key)
    except s3.exceptions.ClientError as error:
        if _aws.error_code(error) in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    return head.get("ContentLength") == file.size and head.get("Metadata", {}).get(SHA_KEY) == sha


def upload(
    s3: Any,
    bucket: str,
    files: Iterable[LocalFile],
    kms_key_arn: Optional[str] = None,
    log: Callable[[str], None] = lambda message: None,
) -> dict[str, int]:
    """Upload what is missing or changed; returns counts of uploaded and skipped files and bytes."""
    files = list(files)
    total = sum(f.size for f in files)
    done = uploaded = skipped = 0
    for file in files:
        sha = sha256_of(file.path)
        if already_there(s3, bucket, file, sha):
            skipped += 1
        else:
            extra: dict[str, Any] = {"Metadata": {SHA_KEY: sha}}
            if kms_key_arn:
                extra.update(ServerSideEncryption="aws:kms", SSEKMSKeyId=kms_key_arn)
            s3.upload_file(file.path, bucket, file.key, ExtraArgs=extra)
            uploaded += 1
        done += file.size
        log(
            f"weights: {uploaded + skipped}/{len(files)} files, "
            f"{done / 2**30:.1f}/{total / 2**30:.1f} GiB ({skipped} already uploaded)"
        )
    return {"uploaded": uploaded, "skipped": skipped, "files": len(files), "bytes": total}


def download_hf(repo: str, revision: Optional[str], cache_dir: Optional[str]) -> str:
    """A local snapshot of a Hugging Face repo (huggingface_hub resumes partial downloads itself)."""
    try:
        from huggingface_hub import snapshot_download
    except ImportError:  # pragma: no cover - huggingface_hub is a dependency
        raise RuntimeError("hf:// weights need the huggingface_hub package: pip install huggingface_hub") from None
    return snapshot_download(repo_id=repo, revision=revision, cache_dir=cache_dir, allow_patterns=list(WEIGHT_PATTERNS))


class WeightsUploadProvider(AwsResourceProvider):
    """Uploads at create; any change of source or destination uploads again (a replacement)."""

    SERVICE = "s3"
    KIND = "weights upload"
    REPLACE_KEYS = REPLACE_KEYS
    OUTPUT_KEYS = OUTPUT_KEYS

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        source: str = props["source"]
        if source.startswith("hf://"):
            directory = download_hf(source[len("hf://") :], props.get("revision"), props.get("cache_dir"))
        else:
            directory = source
        files = local_files(directory, props["prefix"])
        counts = upload(self.client(props), props["bucket"], files, props.get("kms_key_arn"), self.log)
        s3_uri = f"s3://{props['bucket']}/{props['prefix'].strip('/')}/"
        return pulumi.dynamic.CreateResult(id_=s3_uri, outs={**props, "s3_uri": s3_uri, **counts})

    def read(self, id_: str, props: dict[str, Any]) -> pulumi.dynamic.ReadResult:
        # Nothing to look up: the objects are checked file by file at create, and a refresh keeps the counts.
        return pulumi.dynamic.ReadResult(id_, props)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        # The objects stay: the bucket is versioned and owned by the deployment; it goes with the bucket.
        return None


class WeightsUpload(pulumi.dynamic.Resource, module="deepseek", name="WeightsUpload"):
    s3_uri: pulumi.Output[str]
    files: pulumi.Output[int]

    def __init__(
        self,
        name: str,
        *,
        region: str,
        source: str,
        bucket: pulumi.Input[str],
        prefix: str,
        kms_key_arn: Optional[pulumi.Input[str]] = None,
        revision: Optional[str] = None,
        opts: Optional[pulumi.ResourceOptions] = None,
    ):
        props = {
            "region": region,
            "source": source,
            "bucket": bucket,
            "prefix": prefix,
            "kms_key_arn": kms_key_arn,
            "revision": revision,
            **dict.fromkeys(OUTPUT_KEYS),
        }
        super().__init__(WeightsUploadProvider(), name, props, opts)
