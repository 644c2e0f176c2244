"""Developer scripts: the local stack runner and the helpers the test suite shares with it."""
