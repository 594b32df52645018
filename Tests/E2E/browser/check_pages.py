#!/usr/bin/env python3
"""Loads pages in headless Chromium through the DevTools protocol and reports what a person
would notice: console errors, script dialogs, values read from the page, and a screenshot.

Input on stdin, JSON: {"pages": [{"url": ..., "screenshot": PATH, "evaluate": {NAME: JS}}]}
Output on stdout, JSON: {"pages": [{"url", "errors": [...], "dialogs": [...], "values": {NAME: value}}]}
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket


class Browser:
    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="dmarcd-chromium-")
        self.process = subprocess.Popen(
            ["chromium", "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-extensions", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--metrics-recording-only", "--no-default-browser-check",
             "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
             f"--user-data-dir={self.profile}", "--window-size=1400,1000", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.time() + 30
        while not os.path.exists(port_file) or not open(port_file).read().strip():
            if time.time() > deadline:
                raise RuntimeError("Chromium did not open its DevTools port")
            time.sleep(0.05)
        port = open(port_file).read().split()[0]
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list"))
        page = next(t for t in targets if t["type"] == "page")
        self.socket = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30,
                                                  suppress_origin=True)
        self.next_id = 0
        self.events = []
        for method in ["Page.enable", "Runtime.enable", "Log.enable"]:
            self.call(method)

    def call(self, method, **params):
        self.next_id += 1
        ident = self.next_id
        self.socket.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.note(message)

    def note(self, message):
        method = message.get("method")
        if method == "Page.javascriptDialogOpening":
            self.events.append(("dialog", message["params"].get("message", "")))
            self.socket.send(json.dumps({"id": 0, "method": "Page.handleJavaScriptDialog",
                                         "params": {"accept": True}}))
        elif method == "Runtime.consoleAPICalled" and message["params"]["type"] in ("error", "warning", "assert"):
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in message["params"]["args"])
            self.events.append(("error", f"console.{message['params']['type']}: {text}"))
        elif method == "Runtime.exceptionThrown":
            self.events.append(("error", message["params"]["exceptionDetails"].get("text", "exception")))
        elif method == "Log.entryAdded" and message["params"]["entry"]["level"] in ("error", "warning"):
            entry = message["params"]["entry"]
            self.events.append(("error", f"{entry.get('source')}: {entry.get('text')} {entry.get('url', '')}"))
        elif method == "Page.loadEventFired":
            self.events.append(("load", ""))

    def wait_for_load(self):
        deadline = time.time() + 30
        while not any(kind == "load" for kind, _ in self.events):
            if time.time() > deadline:
                raise RuntimeError("the page did not finish loading")
            self.socket.settimeout(max(0.1, deadline - time.time()))
            self.note(json.loads(self.socket.recv()))
        # Late console messages (a blocked style sheet, a missing icon) arrive just after load.
        end = time.time() + 0.5
        while time.time() < end:
            self.socket.settimeout(max(0.01, end - time.time()))
            try:
                self.note(json.loads(self.socket.recv()))
            except websocket.WebSocketTimeoutException:
                break
        self.socket.settimeout(30)

    def check(self, page):
        self.events = []
        self.call("Page.navigate", url=page["url"])
        self.wait_for_load()
        values = {}
        for name, expression in page.get("evaluate", {}).items():
            result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
            values[name] = result.get("result", {}).get("value")
        if page.get("screenshot"):
            metrics = self.call("Page.getLayoutMetrics")
            size = metrics.get("cssContentSize") or metrics["contentSize"]
            shot = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                             clip={"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1})
            os.makedirs(os.path.dirname(page["screenshot"]), exist_ok=True)
            with open(page["screenshot"], "wb") as file:
                file.write(base64.b64decode(shot["data"]))
        return {"url": page["url"], "values": values,
                "errors": [text for kind, text in self.events if kind == "error"],
                "dialogs": [text for kind, text in self.events if kind == "dialog"]}

    def close(self):
        try:
            self.socket.close()
        finally:
            self.process.kill()
            self.process.wait()
            shutil.rmtree(self.profile, ignore_errors=True)


def main():
    request = json.load(sys.stdin)
    browser = Browser()
    try:
        results = [browser.check(page) for page in request["pages"]]
    finally:
        browser.close()
    json.dump({"pages": results}, sys.stdout)


if __name__ == "__main__":
    main()
