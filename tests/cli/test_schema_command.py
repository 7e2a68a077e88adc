"""`deploy schema`: one JSON document on stdout."""


def test_schema_prints_the_json_schema(cli):
    result = cli("schema")
    assert result.code == 0 and result.err == ""
    schema = result.json()
    assert schema["$schema"].endswith("2020-12/schema")
    assert "deepseek-r1" in str(schema["$defs"]["ServerlessSpec"]["properties"]["model"]["enum"])
