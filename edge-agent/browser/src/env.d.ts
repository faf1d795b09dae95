/// <reference types="vite/client" />

/** `assets/ort-<version>/`: where the build put onnxruntime-web's runtime files (vite.config.ts). */
declare const __EF_ORT_ASSETS__: string
/** this agent's version, reported in status messages */
declare const __EF_AGENT_VERSION__: string
