"""WeightsUpload against moto's S3: what is uploaded, and that a second run resumes."""

import boto3
import pytest
from moto import mock_aws

from deepseek_deploy.components.providers import weights_upload as wu


@pytest.fixture
def model_dir(tmp_path):
    (tmp_path / "config.json").write_text('{"architectures": ["LlamaForCausalLM"]}')
    (tmp_path / "tokenizer.json").write_text("{}")
    (tmp_path / "model-00001-of-00001.safetensors").write_bytes(b"\0" * 4096)
    (tmp_path / "pytorch_model.bin").write_bytes(b"\0" * 10)  # not needed by Bedrock: skipped
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "plot.png").write_bytes(b"png")
    return tmp_path


@pytest.fixture
def s3(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="weights")
        yield client


def test_only_the_files_bedrock_reads_are_selected(model_dir):
    keys = sorted(f.key for f in wu.local_files(str(model_dir), "weights/"))
    assert keys == ["weights/config.json", "weights/model-00001-of-00001.safetensors", "weights/tokenizer.json"]


def test_a_directory_without_config_json_is_refused(tmp_path):
    (tmp_path / "model.safetensors").write_bytes(b"x")
    with pytest.raises(RuntimeError, match=r"no config.json"):
        wu.local_files(str(tmp_path), "weights")


def test_upload_then_resume_skips_what_is_already_there(model_dir, s3):
    files = wu.local_files(str(model_dir), "weights")
    messages = []
    first = wu.upload(s3, "weights", files, log=messages.append)
    assert first == {"uploaded": 3, "skipped": 0, "files": 3, "bytes": sum(f.size for f in files)}
    head = s3.head_object(Bucket="weights", Key="weights/config.json")
    assert head["Metadata"][wu.SHA_KEY] == wu.sha256_of(str(model_dir / "config.json"))
    assert messages[-1].startswith("weights: 3/3 files")
    # A changed file is uploaded again; unchanged ones are skipped.
    (model_dir / "config.json").write_text('{"architectures": ["LlamaForCausalLM"], "x": 1}')
    second = wu.upload(s3, "weights", wu.local_files(str(model_dir), "weights"))
    assert (second["uploaded"], second["skipped"]) == (1, 2)


def test_the_provider_creates_with_the_s3_uri(model_dir, s3, monkeypatch):
    monkeypatch.setattr(wu._aws, "client", lambda service, region: s3)
    result = wu.WeightsUploadProvider().create(
        {"region": "us-east-1", "source": str(model_dir), "bucket": "weights", "prefix": "weights"}
    )
    assert result.id == "s3://weights/weights/" and result.outs["uploaded"] == 3
    diff = wu.WeightsUploadProvider().diff(result.id, result.outs, {**result.outs, "source": "/elsewhere"})
    assert diff.replaces == ["source"]
