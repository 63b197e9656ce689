"""Given / when / then on the follow-up key of an anonymous issue."""

from aerie_services.voice.followup import follow_up_digest, follow_up_key, key_matches

SECRET = b"s" * 32


def test_a_retried_raise_shows_the_same_key() -> None:
    assert follow_up_key(SECRET, "N-0001", "c-1") == follow_up_key(SECRET, "N-0001", "c-1")


def test_two_authors_choosing_the_same_command_id_get_different_keys() -> None:
    assert follow_up_key(SECRET, "N-0001", "c-1") != follow_up_key(SECRET, "N-0002", "c-1")


def test_the_key_opens_its_issue_and_what_is_kept_of_it_does_not_contain_it() -> None:
    key = follow_up_key(SECRET, "N-0001", "c-1")
    digest = follow_up_digest(SECRET, key)
    assert key_matches(SECRET, key, digest)
    assert key_matches(SECRET, f"  {key.lower()} ", digest)
    assert key.removeprefix("FU-") not in digest
    assert "N-0001" not in key + digest


def test_another_key_or_no_kept_digest_does_not_match() -> None:
    digest = follow_up_digest(SECRET, follow_up_key(SECRET, "N-0001", "c-1"))
    assert not key_matches(SECRET, follow_up_key(SECRET, "N-0001", "c-2"), digest)
    assert not key_matches(SECRET, "", digest)
    assert not key_matches(SECRET, follow_up_key(SECRET, "N-0001", "c-1"), None)
    assert not key_matches(b"t" * 32, follow_up_key(SECRET, "N-0001", "c-1"), digest)
