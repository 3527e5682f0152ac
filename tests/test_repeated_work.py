"""Work done once, not per call: occupation lookups, and matching's taxonomy and skill extractor."""
from __future__ import annotations

import pyarrow as pa

import recruit_core.data.taxonomy as taxonomy_module
from recruit_core.config import DataConfig, ModelConfig, TinyBertConfig
from recruit_core.data.taxonomy import Occupation, Skill, Taxonomy
from recruit_core.data.validate import VALIDATED_SCHEMA
from recruit_core.match import pipeline_ray

TINY = ModelConfig(source="tiny", sha256="", max_length=64, window_stride=48, max_windows=2,
                   tiny=TinyBertConfig())
ONET_TOOLS = ["Kubernetes", "Terraform", "Ansible", "Jenkins", "Docker", "Prometheus", "Grafana",
              "PostgreSQL", "Redis", "Nginx"]


class _CountedOccupations(tuple):
    """A taxonomy's occupations that count how often they are walked."""

    walks = 0

    def __iter__(self):
        type(self).walks += 1
        return super().__iter__()


def test_occupation_lookups_do_not_walk_the_taxonomy_each_time():
    """Resumes x jobs loops look occupations up by id: an index rebuilt per lookup walked all of
    them each time (2,000 lookups in 20,000 occupations: 1.35 s where one index takes µs)."""
    occupations = _CountedOccupations(
        Occupation(f"occ_{i}", f"Title {i}", "f", (), ("python",), (), (), ()) for i in range(20_000))
    taxonomy = Taxonomy("big", {"f": "Family"}, {"python": Skill("python", "Python", "tool")},
                        occupations)
    wanted = [f"occ_{i}" for i in range(0, 20_000, 10)]
    _CountedOccupations.walks = 0
    assert [taxonomy.occupation(i).id for i in wanted] == wanted
    walks = _CountedOccupations.walks
    assert walks <= 1, f"{len(wanted)} lookups walked the occupations {walks} times"


def _onet_tables(folder) -> None:
    """The four O*NET tables load_onet reads, for one occupation with ten technology skills."""
    code = "15-1244.00"
    tables = {
        "Occupation Data.txt": [("O*NET-SOC Code", "Title"), (code, "Network Administrator")],
        "Technology Skills.txt": [("O*NET-SOC Code", "Example", "Hot Technology"),
                                  *[(code, tool, "Y") for tool in ONET_TOOLS]],
        "Task Statements.txt": [("O*NET-SOC Code", "Task"), (code, "Maintain network hardware.")],
        "Alternate Titles.txt": [("O*NET-SOC Code", "Alternate Title"), (code, "Network Engineer")],
    }
    for name, rows in tables.items():
        (folder / name).write_text("".join("\t".join(row) + "\n" for row in rows), encoding="utf-8")


def _validated(texts: list[str], first: int) -> pa.Table:
    n = len(texts)
    return pa.table({"resume_id": [f"r{first + i}" for i in range(n)], "text": texts,
                     "input_file": ["resumes.parquet"] * n, "position": range(first, first + n),
                     "reason": [None] * n, "detail": [None] * n}, schema=VALIDATED_SCHEMA)


def test_matching_reads_the_onet_tables_once_per_worker_not_per_batch(tmp_path, monkeypatch):
    _onet_tables(tmp_path)
    reads = []

    def counting_load_onet(onet_dir, *args, **kwargs):
        reads.append(onet_dir)
        return load_onet(onet_dir, *args, **kwargs)

    load_onet = taxonomy_module.load_onet
    monkeypatch.setattr(taxonomy_module, "load_onet", counting_load_onet)
    monkeypatch.setattr(pipeline_ray, "_CACHE", {})  # a fresh worker process
    data = DataConfig(taxonomy="onet", onet_dir=str(tmp_path))
    skills = []
    for first, texts in ((0, ["Ran Kubernetes and Terraform."]), (1, ["Jenkins, Docker, Redis."])):
        prepared = pipeline_ray.prepare_resumes(_validated(texts, first), paths=["resumes.parquet"],
                                                model_path="", model=TINY, data=data)
        skills += prepared.column("skills").to_pylist()
    assert skills == [["kubernetes", "terraform"], ["docker", "jenkins", "redis"]]
    assert len(reads) == 1, f"O*NET tables read {len(reads)} times for 2 batches"
