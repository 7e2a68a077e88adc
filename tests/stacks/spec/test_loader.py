"""The loader: every kind of bad input becomes FILE:LINE:COL: message, never a traceback."""

import pytest

from deepseek_deploy.stacks.sizing.deployment import resolve_file as load_spec
from deepseek_deploy.stacks.sizing.deployment import resolve_text as load_text
from deepseek_deploy.stacks.spec.loader import SpecError

from ...conftest import EXAMPLES, MINIMAL


def errors_of(text: str) -> list:
    with pytest.raises(SpecError) as caught:
        load_text(text, "spec.yaml")
    return caught.value.errors


def only_error(text: str):
    found = errors_of(text)
    assert len(found) == 1, [str(e) for e in found]
    return found[0]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_is_valid(path):
    loaded = load_spec(str(path))
    assert loaded.spec.name and loaded.spec.mode in ("serverless", "marketplace", "custom-import", "self-hosted")


@pytest.mark.parametrize("mode", sorted(MINIMAL))
def test_the_four_required_keys_are_enough_for_every_mode(mode):
    spec = load_text(MINIMAL[mode]).spec
    assert spec.mode == mode
    assert spec.tags == {} and spec.protect is False


def test_a_typo_in_a_key_points_at_the_key_and_suggests_the_right_one():
    error = only_error("name: bot\nmodel: deepseek-r1\nmode: serverless\nregion: us-west-2\nprotcet: true\n")
    assert (error.line, error.column) == (5, 1)
    assert "unknown key 'protcet'" in error.message and "did you mean 'protect'?" in error.message
    assert str(error).startswith("spec.yaml:5:1: ")


def test_a_typo_in_a_nested_key_suggests_from_that_section():
    error = only_error(MINIMAL["marketplace"] + "endpoint:\n  instance_tpye: ml.p4d.24xlarge\n")
    assert (error.line, error.column) == (6, 3)
    assert "unknown key 'instance_tpye' in endpoint; did you mean 'instance_type'?" in error.message


def test_an_unknown_key_without_a_close_match_lists_the_known_keys():
    error = only_error(MINIMAL["serverless"] + "serverless:\n  zzz: 1\n")
    assert "Known keys in serverless: cross_region, cost_profile" in error.message


def test_a_misspelled_required_key_is_reported_as_missing_and_unknown():
    found = errors_of("name: bot\nmodel: deepseek-r1\nmode: serverless\nregoin: us-west-2\n")
    messages = sorted(e.message for e in found)
    assert any(m.startswith("missing required key 'region'") for m in messages)
    assert any("did you mean 'region'?" in m for m in messages)


def test_a_wrong_type_says_what_was_expected_at_the_value():
    error = only_error(MINIMAL["serverless"] + "protect: maybe\n")
    assert (error.line, error.column) == (5, 10)
    assert error.message == "protect: expected true or false, got text 'maybe'"


def test_a_section_given_as_a_scalar_says_a_mapping_is_expected():
    error = only_error(MINIMAL["serverless"] + "observability: yes\n")
    assert "observability: expected a mapping of keys" in error.message


def test_an_unknown_model_suggests_the_closest_id():
    error = only_error("name: bot\nmodel: deepseek-r2\nmode: serverless\nregion: us-west-2\n")
    assert (error.line, error.column) == (2, 8)
    assert "unknown model 'deepseek-r2'; did you mean 'deepseek-r1'?" in error.message
    assert "deepseek-r1-distill-llama-70b" in error.message  # the known ids are listed


def test_model_aliases_resolve_to_the_canonical_id():
    spec = load_text("name: bot\nmodel: distill-llama-8b\nmode: self-hosted\nregion: us-west-2\n").spec
    assert spec.model == "deepseek-r1-distill-llama-8b"


def test_r1_with_custom_import_names_the_modes_that_work():
    error = only_error("name: bot\nmodel: deepseek-r1\nmode: custom-import\nregion: us-west-2\n")
    assert (error.line, error.column) == (3, 7)
    assert "deepseek-r1 is not available with mode custom-import" in error.message
    assert "serverless, marketplace, self-hosted" in error.message


def test_an_unknown_region_suggests_the_closest_region():
    error = only_error("name: bot\nmodel: r1\nmode: serverless\nregion: us-wst-2\n")
    assert (error.line, error.column) == (4, 9)
    assert "'us-wst-2' is not an AWS region; did you mean 'us-west-2'?" in error.message


def test_a_region_without_the_model_names_the_regions_with_it():
    error = only_error("name: bot\nmodel: r1\nmode: serverless\nregion: eu-west-1\n")
    assert (error.line, error.column) == (4, 9)
    assert "not offered in eu-west-1" in error.message
    assert "us-east-1, us-east-2, us-west-2" in error.message


def test_custom_import_in_a_region_without_it_is_an_error():
    error = only_error("name: bot\nmodel: distill-llama-8b\nmode: custom-import\nregion: ap-south-1\n")
    assert "eu-central-1, us-east-1, us-east-2, us-west-2" in error.message


def test_an_unconfirmed_region_is_a_warning_not_an_error():
    loaded = load_text("name: bot\nmodel: v3\nmode: serverless\nregion: ap-northeast-1\n", "spec.yaml")
    assert [w.severity for w in loaded.warnings] == ["warning"]
    assert "cannot confirm" in loaded.warnings[0].message
    assert str(loaded.warnings[0]).startswith("spec.yaml:4:9: warning: ")


def test_an_instance_type_too_small_names_instance_types_that_fit():
    error = only_error(MINIMAL["marketplace"] + "endpoint:\n  instance_type: ml.g5.2xlarge\n")
    assert (error.line, error.column) == (6, 18)
    assert "ml.g5.2xlarge is too small for deepseek-r1-distill-llama-70b" in error.message
    assert "ml.p4d.24xlarge" in error.message and "ml.g6.48xlarge" in error.message


def test_malformed_yaml_is_positioned():
    error = only_error("name: bot\nmodel: [deepseek-r1\nmode: serverless\n")
    assert error.line == 3 and error.message.startswith("malformed YAML")


@pytest.mark.parametrize("text", ["", "\n\n", "# just a comment\n"])
def test_an_empty_file_says_what_a_spec_needs(text):
    error = only_error(text)
    assert (error.line, error.column) == (1, 1)
    assert "the spec is empty" in error.message and "deploy init" in error.message


def test_a_list_instead_of_a_mapping_is_refused():
    error = only_error("- name: bot\n- model: r1\n")
    assert "must be a mapping of keys" in error.message and "not a list" in error.message


def test_a_scalar_document_is_refused():
    assert "must be a mapping" in only_error("just text\n").message


def test_a_missing_file_is_a_positioned_error(tmp_path):
    missing = str(tmp_path / "nope.yaml")
    with pytest.raises(SpecError) as caught:
        load_spec(missing)
    assert str(caught.value.errors[0]).startswith(f"{missing}:1:1: no such file")


def test_a_directory_and_a_non_utf8_file_are_refused(tmp_path):
    with pytest.raises(SpecError, match="is a directory"):
        load_spec(str(tmp_path))
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"name: bot\n\xff\xfe\n")
    with pytest.raises(SpecError) as caught:
        load_spec(str(binary))
    assert caught.value.errors[0].line == 2 and "UTF-8" in caught.value.errors[0].message


def test_missing_mode_and_an_unknown_mode():
    assert "missing required key 'mode'" in only_error("name: bot\nmodel: r1\nregion: us-west-2\n").message
    error = only_error("name: bot\nmodel: r1\nmode: serverles\nregion: us-west-2\n")
    assert (error.line, error.column) == (3, 7)
    assert "did you mean 'serverless'?" in error.message


def test_a_section_of_another_mode_says_which_mode_it_belongs_to():
    error = only_error(MINIMAL["serverless"] + "endpoint:\n  instance_type: ml.p5e.48xlarge\n")
    assert (error.line, error.column) == (5, 1)
    assert "'endpoint' configures mode marketplace, but this spec has mode serverless" in error.message


def test_every_problem_is_reported_at_once():
    text = "name: Bot\nmodel: r1\nmode: serverless\nregion: us-west-2\nprotect: maybe\ntags: [a]\n"
    lines = sorted(e.line for e in errors_of(text))
    assert lines == [1, 5, 6]


def test_the_name_rule_is_explained():
    error = only_error("name: Bot_1\nmodel: r1\nmode: serverless\nregion: us-west-2\n")
    assert (error.line, error.column) == (1, 7)
    assert "'Bot_1' is not valid" in error.message and "lowercase letter" in error.message


def test_enum_values_get_suggestions():
    error = only_error(MINIMAL["serverless"] + "guardrail:\n  content_filters: {hate: hihg}\n")
    assert (error.line, error.column) == (6, 27)
    assert "did you mean 'high'?" in error.message


def test_an_unknown_pii_entity_points_at_the_key():
    error = only_error(MINIMAL["serverless"] + "guardrail:\n  pii:\n    EMAL: block\n")
    assert (error.line, error.column) == (7, 5)
    assert "did you mean 'EMAIL'?" in error.message


def test_errors_inside_lists_point_at_the_item():
    text = (
        MINIMAL["serverless"]
        + "access:\n  invoke_principals:\n    - arn:aws:iam::123456789012:role/ok\n    - not-an-arn\n"
    )
    error = only_error(text)
    assert (error.line, error.column) == (8, 7)
    assert "'not-an-arn' is not an IAM role or user ARN" in error.message


def test_local_weights_directory_must_exist_relative_to_the_spec(write_spec, tmp_path):
    path = write_spec(MINIMAL["custom-import"] + "weights:\n  source: ./weights\n")
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    assert "does not exist" in caught.value.errors[0].message
    (tmp_path / "weights").mkdir()
    (tmp_path / "weights" / "config.json").write_text("{}")
    deployment = load_spec(path)
    assert deployment.weights_source == str(tmp_path / "weights")  # resolved against the spec's folder
    assert deployment.summary()["weights_source"] == "./weights"  # shown as written
