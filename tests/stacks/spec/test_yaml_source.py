import pytest

from deepseek_deploy.stacks.spec.yaml_source import Position, YamlSyntaxError, parse


def test_positions_of_keys_and_values_are_one_based():
    data, source = parse("name: bot\nendpoint:\n  instance_type: ml.g6.2xlarge\nlist:\n  - a\n  - b\n")
    assert data == {"name": "bot", "endpoint": {"instance_type": "ml.g6.2xlarge"}, "list": ["a", "b"]}
    assert source.keys[("name",)] == Position(1, 1)
    assert source.values[("name",)] == Position(1, 7)
    assert source.keys[("endpoint", "instance_type")] == Position(3, 3)
    assert source.values[("endpoint", "instance_type")] == Position(3, 18)
    assert source.values[("list", 1)] == Position(6, 5)


def test_locate_falls_back_to_the_nearest_spelled_out_ancestor():
    _, source = parse("serving:\n  gpu: {type: L4}\n")
    assert source.locate(("serving", "gpu", "count")) == Position(2, 8)
    assert source.locate(("absent",)) == Position(1, 1)


def test_duplicate_keys_are_an_error_naming_both_lines():
    with pytest.raises(YamlSyntaxError) as error:
        parse("name: a\nmode: serverless\nname: b\n")
    assert error.value.position == Position(3, 1)
    assert "duplicate key 'name'" in error.value.message and "line 1" in error.value.message


def test_malformed_yaml_reports_where_the_parser_stopped():
    with pytest.raises(YamlSyntaxError) as error:
        parse("name: bot\nmodel: [r1\nmode: serverless\n")
    assert error.value.message.startswith("malformed YAML")
    assert error.value.position.line == 3


def test_tab_indentation_is_a_positioned_syntax_error():
    with pytest.raises(YamlSyntaxError) as error:
        parse("name: bot\nendpoint:\n\tinstance_type: x\n")
    assert error.value.position.line == 3


def test_a_second_document_is_refused():
    with pytest.raises(YamlSyntaxError) as error:
        parse("name: a\n---\nname: b\n")
    assert "exactly one deployment" in error.value.message


def test_merge_keys_are_refused_rather_than_silently_mis_positioned():
    with pytest.raises(YamlSyntaxError, match="merge keys"):
        parse("base: &b {a: 1}\nother:\n  <<: *b\n")


def test_empty_and_comment_only_documents_are_none():
    assert parse("")[0] is None
    assert parse("# nothing\n")[0] is None
