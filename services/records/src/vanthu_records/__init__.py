"""VanThu records service: the file plan, electronic files (hồ sơ), deposit into the agency archive (issue 16)."""
