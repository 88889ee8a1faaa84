def pytest_configure(config):
    config.addinivalue_line(
        "markers", "browser: runs JupyterLab in headless Chromium (GAE_BROWSER_TESTS=1 to run)")
