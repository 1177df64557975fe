import { UserError } from '../errors/AppError.ts'

/** The governed parameters, as far as images go (ProtocolParameters; not imported: it imports the validator below). */
interface ImageParameters {
  get(name: 'workload_images'): string
}

/** The governed catalogue of workload images (parameter workload_images):
 *  renters pick a name, agents get the reference. */
export interface WorkloadImageCatalogue {
  /** The name a rental gets when the renter names none. */
  default: string
  images: Record<string, string>
}

export interface WorkloadImage {
  name: string
  /** A container image reference such as pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime. */
  reference: string
}

export const DEFAULT_WORKLOAD_IMAGES: WorkloadImageCatalogue = {
  default: 'pytorch',
  images: {
    pytorch: 'pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime',
    cuda: 'nvidia/cuda:12.4.1-runtime-ubuntu22.04',
    tensorflow: 'tensorflow/tensorflow:2.17.0-gpu',
  },
}

const IMAGE_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/
/** [registry[:port]/]path[:tag][@sha256:digest], the Docker reference grammar:
 *  no spaces, quotes or shell characters can pass, whatever the template does with it. */
const IMAGE_REFERENCE =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9.-]{0,251}[a-zA-Z0-9])?(?::\d{1,5})?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$/

const EXAMPLE = '{"default":"pytorch","images":{"pytorch":"pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime"}}'

/** The parameter's validator: an error sentence, or undefined when the value is acceptable. */
export function checkWorkloadImages(value: string): string | undefined {
  let parsed: unknown
  try {
    parsed = JSON.parse(value)
  } catch {
    return `expected JSON such as ${EXAMPLE}`
  }
  const { default: fallback, images } = (parsed ?? {}) as Partial<WorkloadImageCatalogue>
  if (typeof images !== 'object' || images === null || Array.isArray(images)) return `expected JSON such as ${EXAMPLE}`
  const entries = Object.entries(images)
  if (entries.length === 0 || entries.length > 50) return 'expected 1 to 50 images'
  for (const [name, reference] of entries) {
    if (!IMAGE_NAME.test(name)) return `image name "${name}" should be 1-32 lowercase letters, digits, - or _`
    if (typeof reference !== 'string' || reference.length > 255 || !IMAGE_REFERENCE.test(reference)) return `image "${name}" should be a reference such as pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime`
  }
  if (typeof fallback !== 'string' || !Object.hasOwn(images, fallback)) return 'expected "default" to name one of the images'
  return undefined
}

export function workloadImageCatalogue(params: ImageParameters): WorkloadImageCatalogue {
  return JSON.parse(params.get('workload_images')) as WorkloadImageCatalogue
}

/** The image a renter asked for, or the catalogue's default.
 *  @throws UserError naming the images there are */
export function resolveWorkloadImage(params: ImageParameters, name?: string): WorkloadImage {
  const catalogue = workloadImageCatalogue(params)
  const wanted = (name ?? catalogue.default).trim().toLowerCase()
  if (!Object.hasOwn(catalogue.images, wanted)) {
    const names = Object.keys(catalogue.images).join(', ')
    throw new UserError(`There is no image "${wanted.slice(0, 40)}"; choose one of ${names} (default ${catalogue.default}), e.g. image:${catalogue.default}.`, 'UNKNOWN_IMAGE')
  }
  return { name: wanted, reference: catalogue.images[wanted]! }
}
