"""The benchmark harness: results history, the suite runner, and the GPU script's import boundary.
No benchmark runs here; the runner is exercised on throwaway scripts."""
from __future__ import annotations

import ast
import json
import socket
import sys
import textwrap

import pytest
import torch
from conftest import ROOT
from transformers import AutoTokenizer, BertConfig, BertModel

sys.path.insert(0, str(ROOT / "bench"))
import _results  # noqa: E402
import demo_stages  # noqa: E402
import gpu_score  # noqa: E402
import match_topk  # noqa: E402
import run_all  # noqa: E402
from limits import time_matmul  # noqa: E402
from recruit_core.model.recruit import RecruitModel  # noqa: E402


def test_record_appends_history_and_renders_newest_first(tmp_path, monkeypatch):
    monkeypatch.setenv(_results.RESULTS_DIR_ENV, str(tmp_path))
    _results.record({"name": "score_throughput", "resumes_per_s": 41.5, "ratio": 1.9}, "python bench/a.py")
    _results.record({"name": "score_throughput", "resumes_per_s": 57.25, "ratio": 2.4}, "python bench/a.py")
    _results.record({"name": "limits", "cpu_fp32_gflops": 88.0}, "python bench/limits.py")
    rows = [json.loads(line) for line in (tmp_path / "results.jsonl").read_text().splitlines()]
    assert [r["name"] for r in rows] == ["score_throughput", "score_throughput", "limits"]
    assert all({"date", "commit", "command", "machine"} <= set(r) for r in rows)
    markdown = (tmp_path / "RESULTS.md").read_text()
    history = markdown.split("## History")[1]
    assert history.index("resumes_per_s=57.25") < history.index("resumes_per_s=41.5")
    latest = markdown.split("## History")[0].split("### score_throughput")[1].split("###")[0]
    assert "57.25" in latest and "41.5" not in latest
    assert "cpu_fp32_gflops=88" in history


def test_record_refuses_a_result_without_a_name(tmp_path):
    with pytest.raises(ValueError, match="no 'name'"):
        _results.record({"resumes_per_s": 1.0}, "python bench/x.py", folder=tmp_path)
    assert not (tmp_path / "results.jsonl").exists()


def test_machine_info_names_the_hardware_but_not_the_host():
    info = _results.machine_info()
    assert info["cpu_count"] >= 1 and info["torch_threads"] >= 1 and info["device"]
    assert socket.gethostname() not in json.dumps(info)
    assert _results.git_commit()


def _fake_benchmarks(folder):
    scripts = {
        "fast_one": 'import json; print("loading"); print(json.dumps({"name": "fast_one", "x": 1}))',
        "broken": 'import sys; print("resume 17: model folder missing", file=sys.stderr); sys.exit(3)',
        "stuck": "import time; time.sleep(60)",
        "_helper": "raise SystemExit('helpers are not benchmarks')",
    }
    for name, body in scripts.items():
        (folder / f"{name}.py").write_text(textwrap.dedent(body) + "\n")


def test_run_all_reports_failures_and_timeouts_instead_of_hiding_them(tmp_path, monkeypatch):
    _fake_benchmarks(tmp_path)
    monkeypatch.setattr(run_all, "BENCH_DIR", tmp_path)
    names, skipped = run_all.discover([], [])
    assert names == ["broken", "fast_one", "stuck"] and skipped == {}
    # only the stuck one gets a short timeout: a loaded machine may take seconds to start Python
    monkeypatch.setattr(run_all, "DEFAULT_TIMEOUT_S", 60)
    monkeypatch.setattr(run_all, "TIMEOUTS_S", {"stuck": 3})
    outcomes = {o["name"]: o for o in run_all.run_suite(names, budget_s=120, quick=True, timeout_s=None)}
    assert outcomes["fast_one"]["status"] == "ok"
    assert outcomes["fast_one"]["rows"] == [{"name": "fast_one", "x": 1}]
    assert outcomes["broken"]["status"] == "failed (exit 3)"
    assert "resume 17: model folder missing" in outcomes["broken"]["stderr_tail"]
    assert outcomes["stuck"]["status"].startswith("timed out")
    assert run_all.report(list(outcomes.values()), {}) == ["broken", "stuck"]


def test_run_all_skips_the_gpu_script_without_cuda_and_rejects_unknown_names(monkeypatch):
    monkeypatch.setattr(run_all, "has_cuda", lambda: False)
    names, skipped = run_all.discover([], [])
    assert "gpu_score" in skipped and "gpu_score" not in names
    assert names[0] == "limits" and "run_all" not in names and "_results" not in names
    with pytest.raises(SystemExit, match="no_such_bench"):
        run_all.discover(["no_such_bench"], [])


def test_demo_stage_lines_are_parsed_in_order():
    stdout = "starting\nstage generate: 12.5 s\nnoise stage x: 1 s\nstage score: 40 s\nAll stages: 52.5 s\n"
    assert demo_stages.parse_stages(stdout) == {"generate": 12.5, "score": 40.0}


def _type_checking_only(tree: ast.AST) -> set[int]:
    """ids of the nodes under `if TYPE_CHECKING:`: imports for type hints, never run."""
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            skipped.update(id(child) for stmt in node.body for child in ast.walk(stmt))
    return skipped


def _imported_modules(path) -> set[str]:
    """Modules a file imports when it runs (anywhere in it, functions included)."""
    names, tree = set(), ast.parse(path.read_text())
    hints_only = _type_checking_only(tree)
    for node in ast.walk(tree):
        if id(node) in hints_only:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_gpu_score_needs_neither_ray_nor_hydra():
    """Follow gpu_score's imports through the project's own modules; a bare GPU node has no Ray."""
    todo, seen, outside = [ROOT / "bench" / "gpu_score.py"], set(), set()
    while todo:
        path = todo.pop()
        seen.add(path)
        for name in _imported_modules(path):
            local = [ROOT / (name.replace(".", "/") + ".py"), ROOT / "bench" / f"{name}.py"]
            found = [p for p in local if p.is_file()]
            if found:
                todo.extend(p for p in found if p not in seen)
            elif not (ROOT / name.replace(".", "/")).is_dir():
                outside.add(name.split(".")[0])
    # the walk reaches the project modules, the jobs' forward pass among them
    assert ROOT / "recruit_core" / "model" / "forward.py" in seen
    assert not outside & {"ray", "hydra", "omegaconf"}, sorted(outside)


def test_gpu_score_measures_a_tiny_model_on_cpu():
    torch.manual_seed(0)
    config = BertConfig(vocab_size=2000, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=64)
    model = RecruitModel(BertModel(config, add_pooling_layer=False), ["a", "b"]).eval()
    with torch.inference_mode():
        rows = gpu_score.sweep(model, "cpu", [16], [2, 4], ceiling=1e9,
                               timing={"min_seconds": 0.0, "min_iters": 1})
    assert [(r["seq_len"], r["windows_per_forward"]) for r in rows] == [(16, 2), (16, 4)]
    assert all(r["windows_per_s"] > 0 and r["mfu"] > 0 for r in rows)
    flops, seconds = time_matmul((64, 32, 48), "cpu", torch.float32, repeats=2)
    assert flops > 0 and seconds > 0


def test_gpu_score_end_to_end_reports_the_tokenizer_share():
    tokenizer = AutoTokenizer.from_pretrained(str(gpu_score.minilm_folder(None)))
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=1,
                        num_attention_heads=2, intermediate_size=64)
    model = RecruitModel(BertModel(config, add_pooling_layer=False), ["a", "b"]).eval()
    texts = ["Data Engineer\n" + "built pipelines in spark and airflow " * 80, "Chef\nmenus"]
    with torch.inference_mode():
        row = gpu_score.end_to_end(model, tokenizer, texts, "cpu", seq_len=256,
                                   windows_per_forward=4, resumes_per_call=1)
    assert row["resumes"] == 2 and row["windows_per_resume"] > 1  # the long one needs windows
    assert row["windows_per_forward"] == 4 and row["resumes_per_call"] == 1
    # figures are rounded, and on a loaded machine a descheduled tokenizer can round the share to 1
    assert 0 < row["tokenize_share"] <= 1
    assert row["score_only_resumes_per_s"] >= row["resumes_per_s"] >= 0  # scoring is part of the total


def test_gpu_score_times_the_jobs_windows_per_forward_unless_told_otherwise():
    from recruit_core.config import ModelConfig

    jobs = ModelConfig().windows_per_forward
    assert gpu_score.JOB_WINDOWS_PER_FORWARD == jobs
    assert gpu_score.plan("cuda", quick=False)["windows_per_forward"] == [jobs]
    swept = gpu_score.plan("cuda", quick=False, sweep_settings=True)["windows_per_forward"]
    assert jobs in swept and max(swept) == 2048
    result = {"windows_per_forward": jobs, "sweep": False, "models": {"all-MiniLM-L6-v2": {"sweep": [
        {"seq_len": 256, "windows_per_forward": 64, "windows_per_s": 900.0, "mfu": 0.3},
        {"seq_len": 256, "windows_per_forward": jobs, "windows_per_s": 800.0, "mfu": 0.2}]}}}
    assert gpu_score.summarise(result)["minilm_windows_per_s_256"] == 800.0  # the jobs' figure


def test_match_benchmark_runs_at_the_match_jobs_settings_and_names_any_other(tmp_path, monkeypatch):
    from recruit_core.config import MatchConfig

    monkeypatch.setenv(_results.RESULTS_DIR_ENV, str(tmp_path))
    job, small = MatchConfig(), ["--resumes", "300", "--jobs", "40", "--dim", "8"]
    row = match_topk.main(small)
    assert (row["batch_size"], row["block_rows"]) == (job.batch_size, job.block_rows)
    assert (row["k"], row["n"], row["overrides"]) == (job.top_k_jobs, job.top_n_resumes, {})
    assert row["matmul_rows"] == min(job.batch_size, job.block_rows)  # what the actor multiplies
    assert row["filled_shortlist_slots"] == 40 * job.top_n_resumes
    other = match_topk.main(small + ["--batch", "4096"])
    assert other["overrides"] == {"match.batch_size": 4096}
    recorded = [json.loads(line) for line in (tmp_path / "results.jsonl").read_text().splitlines()]
    assert recorded[-1]["overrides"] == {"match.batch_size": 4096}
