// A coordinator whose config lives in a real etcd (HUP_ETCD, else `etcd`
// on the PATH): start-up from the key, a put picked up by the watch that
// sourceChanges() starts, a delete that is load_failed with the old config
// serving, a server stopped and started again, and a put made meanwhile
// picked up once it is back. Without an etcd binary these tests are
// skipped and one line says so.
import { test } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
import { Coordinator } from "hup-reload";
import { etcdSource } from "hup-reload/etcd";
import { metricsText } from "hup-reload/http";
import { nextReload } from "hup-reload/testing";
import { sourceChanges } from "hup-reload/watch";
import { EtcdServer, findEtcd, NO_ETCD } from "./_etcd.ts";

const etcdBinary = await findEtcd();
if (etcdBinary === undefined) console.log(NO_ETCD);
const withEtcd = {
  skip: etcdBinary === undefined ? "no etcd binary" : false,
  timeout: 60_000,
};

const KEY = "/apps/demo/config.yaml";
const schema = z.strictObject({ greeting: z.string(), port: z.number() });

test(
  "a coordinator loads its config from etcd and follows puts, deletes and a restarted server",
  withEtcd,
  async () => {
    await using etcd = await EtcdServer.start(etcdBinary!);
    await etcd.put(KEY, "greeting: hello\nport: ${PORT}\n");
    const coordinator = await Coordinator.create({
      source: etcdSource({ hosts: etcd.endpoint, key: KEY, timeout: 2000 }),
      schema,
      env: (name) => name === "PORT" ? "8080" : undefined,
      triggers: [sourceChanges()],
    });
    try {
      // Expanded and typed as any YAML source is; named by its key.
      assert.deepEqual(coordinator.config.load(), {
        greeting: "hello",
        port: 8080,
      });
      assert.equal(coordinator.configPath, `etcd:${KEY}`);
      coordinator.watch();
      const greeting = () => coordinator.config.load().greeting;
      const until = (text: string) =>
        nextReload(coordinator, () => greeting() === text);

      // A put runs a pass through the watch, no polling.
      let next = until("hi");
      await etcd.put(KEY, "greeting: hi\nport: 1\n");
      const result = await next;
      assert.equal(result.trigger, "source");
      assert.deepEqual([...result.changed ?? []].sort(), ["greeting", "port"]);

      // A deleted key: load_failed, the old config keeps serving.
      next = nextReload(coordinator, (r) => r.status === "load_failed");
      await etcd.delete(KEY);
      const deleted = await next;
      assert.match(deleted.load_error ?? "", /the key does not exist in etcd/);
      assert.equal(greeting(), "hi");

      // The server goes away: an explicit reload fails within the bound, and
      // the config stays.
      next = until("back");
      await etcd.put(KEY, "greeting: back\nport: 2\n");
      await next;
      await etcd.stop();
      const away = await coordinator.reload();
      assert.equal(away.status, "load_failed");
      assert.match(away.load_error ?? "", /etcd cannot be reached/);
      assert.equal(greeting(), "back");
      assert.match(
        metricsText(coordinator),
        /hup_reload_source_up\{source="etcd:\/apps\/demo\/config\.yaml"\} 0/,
      );

      // Back again: the watch reconnects, and a put made then is picked up.
      next = until("again");
      await etcd.restart();
      await etcd.put(KEY, "greeting: again\nport: 3\n");
      await next;
      assert.match(
        metricsText(coordinator),
        /hup_reload_source_up\{source="etcd:\/apps\/demo\/config\.yaml"\} 1/,
      );
    } finally {
      await coordinator.shutdown();
    }
  },
);

test(
  "a put made while the watch is away is picked up once etcd is back",
  withEtcd,
  async () => {
    await using etcd = await EtcdServer.start(etcdBinary!);
    await etcd.put(KEY, "greeting: one\nport: 1\n");
    const coordinator = await Coordinator.create({
      source: etcdSource({ hosts: etcd.endpoint, key: KEY, timeout: 2000 }),
      schema,
      triggers: [sourceChanges()],
    });
    try {
      coordinator.watch();
      const next = nextReload(
        coordinator,
        () => coordinator.config.load().greeting === "two",
      );
      await etcd.stop();
      await etcd.restart();
      // Written at once, possibly before the watch is back: the revision is
      // compared when it reconnects.
      await etcd.put(KEY, "greeting: two\nport: 2\n");
      await next;
      assert.equal(coordinator.config.load().port, 2);
    } finally {
      await coordinator.shutdown();
    }
  },
);
