"""Fetching: HTTP and local files under one policy, body inflation, the parse sandbox, safe XML."""
