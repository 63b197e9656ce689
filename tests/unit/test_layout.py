from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_graphql_folder_is_not_a_package_so_it_never_shadows_graphql_core() -> None:
    assert not (ROOT / "graphql" / "__init__.py").exists()


def test_import_graphql_is_graphql_core() -> None:
    import graphql

    assert hasattr(graphql, "graphql_sync")
    assert "graphql" in Path(graphql.__file__).parts[-2]
    assert ROOT / "graphql" not in Path(graphql.__file__).parents
