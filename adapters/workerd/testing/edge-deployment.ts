/**
 * A bundled Worker for the edge tests, from nothing to torn down: a fresh temporary folder, a
 * webhook receiver started first where asked (so that the bundled spec can name its URL),
 * `eddy bundle` into the folder, and workerd serving the Worker on storage of its own.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { bundleEdge } from "../../../bin/bundle.ts";
import { bundledJobId } from "../edge-worker.ts";
import { EdgeServer } from "./edge-server.ts";
import { WebhookReceiver } from "./webhook-receiver.ts";

/** Options of {@link EdgeDeployment.start}. */
export interface EdgeDeploymentOptions {
  /** Starts a webhook receiver before bundling. */
  readonly receiver?: boolean;
  /** The spec the Worker starts on its first request, built once the folder (and receiver) exist. */
  readonly spec?: (deployment: EdgeDeployment) => { readonly name: string };
  /** Component files to compile into the Worker (written into the deployment's folder, say). */
  readonly components?: (deployment: EdgeDeployment) => Promise<readonly string[]>;
  /** The Worker's settings (EDDY_TOKEN, ...). */
  readonly env?: Readonly<Record<string, string>>;
}

/** A Worker bundled into a temporary folder and served by workerd, with its webhook receiver. */
export class EdgeDeployment {
  private edge: EdgeServer | undefined;
  private webhook: WebhookReceiver | undefined;
  private bundledJob: string | undefined;

  private constructor(
    /** The deployment's folder (the Worker is bundled into `worker/` in it); removed by `close`. */
    readonly dir: string,
  ) {}

  /** Bundles and serves a Worker; `name` marks its temporary folder. */
  static async start(name: string, options: EdgeDeploymentOptions = {}): Promise<EdgeDeployment> {
    const deployment = new EdgeDeployment(await mkdtemp(path.join(tmpdir(), `eddy-edge-${name}-`)));
    try {
      if (options.receiver === true) deployment.webhook = await WebhookReceiver.start();
      const spec = options.spec?.(deployment);
      const components = await options.components?.(deployment);
      const bundle = await bundleEdge({ spec, components, outDir: path.join(deployment.dir, "worker") });
      // The bundled spec starts with the Worker's first request, under an id made from its name.
      if (spec !== undefined) deployment.bundledJob = await bundledJobId(spec.name);
      deployment.edge = await EdgeServer.start(bundle, options.env);
      return deployment;
    } catch (error) {
      await deployment.close();
      throw error;
    }
  }

  /** workerd serving the Worker. */
  get server(): EdgeServer {
    if (this.edge === undefined) throw new Error("[eddy] the edge deployment is not served yet: its server exists once start() has bundled the Worker");
    return this.edge;
  }

  /** The webhook receiver. */
  get receiver(): WebhookReceiver {
    if (this.webhook === undefined) throw new Error("[eddy] this edge deployment has no webhook receiver: start it with { receiver: true }");
    return this.webhook;
  }

  /** The id of the job the bundled spec started. */
  get jobId(): string {
    if (this.bundledJob === undefined) throw new Error("[eddy] this edge deployment bundled no spec, so it started no job: start it with { spec }");
    return this.bundledJob;
  }

  /** Stops workerd and the receiver and removes the folder and storage. */
  async close(): Promise<void> {
    await this.edge?.close();
    await this.webhook?.close();
    await rm(this.dir, { recursive: true, force: true });
  }
}
