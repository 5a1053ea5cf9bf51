"""Screenshots of the Collections screens for the README, at 1366x768, with headless Chromium.

Usage (a demo database served on BASE_URL, e.g. `odoo -d demo --http-port=8069`):
    python docs/take_screenshots.py http://127.0.0.1:8069 demo admin admin docs/screenshots

Logs in through /web/session/authenticate, gives the session cookie to Chromium over the DevTools protocol
(websocket-client), opens each screen, waits until it has rendered, and saves a PNG.
"""
import base64
import json
import pathlib
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket  # websocket-client

CHROMIUM = "/usr/bin/chromium"
SCREENS = {
    # file name: (path, CSS selector that shows the screen is ready, JavaScript to run before the shot)
    "worklist.png": ("/odoo/action-debt_collection.action_debt_worklist", ".o_list_view .o_data_row", None),
    "customer_collections_tab.png": (
        "/odoo/action-debt_collection.action_debt_worklist", ".o_list_view .o_data_row",
        # open a customer of the worklist (one with a promise in the demo data), then its Collections tab
        "const cells = [...document.querySelectorAll('.o_list_view .o_data_row td[name=partner_id]')];"
        "(cells.find((cell) => cell.textContent.includes('Minh Phát')) || cells[0]).click();"
        "setTimeout(() => document.querySelector('.o_notebook a.nav-link[name=debt_collection]').click(), 2500);"
        "setTimeout(() => document.querySelector('.o_notebook').scrollIntoView(), 3000);"),
    "aging_pivot.png": (
        "/odoo/action-debt_collection.action_debt_aging_report", ".modal button[name=action_view_report]",
        "document.querySelector('.modal button[name=action_view_report]').click();"),
}


def authenticate(base_url, db, login, password):
    body = json.dumps({"jsonrpc": "2.0", "params": {"db": db, "login": login, "password": password}}).encode()
    request = urllib.request.Request(f"{base_url}/web/session/authenticate", body,
                                     {"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        cookie = response.headers["Set-Cookie"]
    return cookie.split("session_id=")[1].split(";")[0]


class Chrome:
    def __init__(self):
        self.profile = tempfile.mkdtemp()
        self.proc = subprocess.Popen([
            CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
            f"--user-data-dir={self.profile}", "--window-size=1366,768", "--remote-debugging-port=0",
            "about:blank"], stderr=subprocess.DEVNULL)
        port_file = pathlib.Path(self.profile, "DevToolsActivePort")
        for _ in range(100):
            if port_file.is_file() and port_file.read_text().strip():
                break
            time.sleep(0.1)
        port = port_file.read_text().split()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json") as response:
            target = next(t for t in json.load(response) if t["type"] == "page")
        self.ws = websocket.create_connection(target["webSocketDebuggerUrl"], suppress_origin=True)
        self.next_id = 0

    def send(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                return message.get("result", {})

    def evaluate(self, expression):
        return self.send("Runtime.evaluate", expression=expression, returnByValue=True).get("result", {}).get("value")

    def wait_for(self, selector, timeout=60):
        end = time.time() + timeout
        while time.time() < end:
            if self.evaluate(f"!!document.querySelector({json.dumps(selector)})"):
                return
            time.sleep(0.5)
        raise TimeoutError(selector)

    def close(self):
        self.ws.close()
        self.proc.terminate()


def main(base_url, db, login, password, out_dir):
    out = pathlib.Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    session = authenticate(base_url, db, login, password)
    chrome = Chrome()
    try:
        chrome.send("Emulation.setDeviceMetricsOverride", width=1366, height=768, deviceScaleFactor=1, mobile=False)
        chrome.send("Network.enable")
        chrome.send("Network.setCookie", name="session_id", value=session, url=base_url)
        for name, (path, ready, script) in SCREENS.items():
            chrome.send("Page.navigate", url=base_url + path)
            time.sleep(1)
            chrome.wait_for(ready)
            if script:
                chrome.evaluate(script)
                time.sleep(5)
            time.sleep(2)
            data = chrome.send("Page.captureScreenshot", format="png")["data"]
            (out / name).write_bytes(base64.b64decode(data))
            print(out / name)
    finally:
        chrome.close()


if __name__ == "__main__":
    main(*sys.argv[1:6])
