from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_graphql_folder_is_not_a_package_so_it_never_shadows_graphql_core() -> None:
    assert not (ROOT / "graphql" / "__init__.py").exists()


def test_import_graphql_is_graphql_core() -> None:
    import graphql

    assert hasattr(graphql, "graphql_sync")
    assert "graphql" in Path(graphql.__file__).parts[-2]
    assert ROOT / "graphql" not in Path(graphql.__file__).parents


PACKAGES = ("events", "services", "projections", "graphql", "deploy")
CATALOG_MODULES = ROOT / "events" / "aerie_events" / "catalog"


def event_type_literals(path: Path, root: Path = ROOT) -> list[str]:
    """Where a module names an event type by a string literal rather than its catalog constant."""
    import ast

    from aerie_events.catalog import CATALOG

    tree = ast.parse(path.read_text())
    return [
        f"{path.relative_to(root)}:{node.lineno}: {node.value!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in CATALOG
    ]


def test_code_names_event_types_by_their_catalog_constants() -> None:
    found = [
        literal
        for package in (*PACKAGES, "tests")
        for path in sorted((ROOT / package).rglob("*.py"))
        if CATALOG_MODULES not in path.parents
        for literal in event_type_literals(path)
    ]
    assert found == [], (
        "use the catalog's constants (aerie_events.catalog.<context>):\n" + "\n".join(found)
    )


def test_the_literal_check_finds_a_literal(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text('KIND = "issue.raised"\nTEXT = "an issue.raised event"\n')
    assert event_type_literals(probe, tmp_path) == ["probe.py:1: 'issue.raised'"]
