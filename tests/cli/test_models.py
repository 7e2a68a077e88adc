"""`deploy models`: the JSON contract of CLI.md and the human table."""


def test_models_json_lists_every_catalog_model_with_the_contract_keys(cli):
    result = cli("models", "--json")
    assert result.code == 0 and result.err == ""
    models = result.json()
    assert len(models) == 11
    for model in models:
        assert {"id", "aliases", "hf_repo", "params_b", "architecture", "modes"} <= set(model)
        assert model["hf_repo"].startswith("deepseek-ai/")
    by_id = {m["id"]: m for m in models}
    assert by_id["deepseek-r1"]["modes"] == ["serverless", "marketplace", "self-hosted"]
    assert by_id["deepseek-v3.2"]["modes"] == ["serverless"] and by_id["deepseek-v3.2"]["aliases"][0] == "v3"
    assert by_id["deepseek-v3.1"]["modes"] == ["serverless", "self-hosted"]
    assert by_id["deepseek-v3"]["modes"] == ["self-hosted"]
    assert by_id["deepseek-r1-distill-llama-8b"]["modes"] == ["marketplace", "custom-import", "self-hosted"]


def test_models_json_carries_prices_with_source_and_date(cli):
    r1 = next(m for m in cli("models", "--json").json() if m["id"] == "deepseek-r1")
    price = r1["offers"]["serverless"]["price"]
    assert price["input_usd_per_1m_tokens"] == 1.35 and price["source"].startswith("https://") and price["as_of"]
    assert r1["offers"]["custom-import"] == {"available": False, "reason": r1["offers"]["custom-import"]["reason"]}
    assert r1["offers"]["marketplace"]["default_instance"] == "ml.p5e.48xlarge"


def test_models_table_goes_to_stdout_whole_when_piped(cli):
    result = cli("models")
    assert result.code == 0 and "deepseek-r1-distill-llama-70b" in result.out and "$1.35/5.40" in result.out
    rows = [line for line in result.out.splitlines() if "deepseek-r1 " in line or line.startswith("deepseek-r1 ")]
    assert rows and "$1.35/5.40" in rows[0]  # a row is not wrapped or cut at 80 columns
    assert [line for line in result.out.splitlines() if "grep" in line] == []
    assert "deploy models --json" in result.err  # the legend is commentary: stderr
