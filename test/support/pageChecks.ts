import type { Browser, Page } from 'playwright-core'

/** Distinct colours in a PNG, counted by Chromium itself (a blank page has one). */
export async function distinctColours(browser: Browser, png: Buffer): Promise<number> {
  const page = await browser.newPage()
  try {
    return await page.evaluate(async (dataUrl) => {
      const image = new Image()
      image.src = dataUrl
      await image.decode()
      const canvas = document.createElement('canvas')
      canvas.width = image.naturalWidth
      canvas.height = image.naturalHeight
      const context = canvas.getContext('2d')!
      context.drawImage(image, 0, 0)
      const { data } = context.getImageData(0, 0, canvas.width, canvas.height)
      const seen = new Set<number>()
      for (let i = 0; i < data.length; i += 4) seen.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!)
      return seen.size
    }, `data:image/png;base64,${png.toString('base64')}`)
  } finally {
    await page.close()
  }
}

/** WCAG contrast of every element holding text against the background it sits on, rounded to 0.1. */
export function textContrasts(page: Page): Promise<number[]> {
  return page.evaluate(() => {
    const rgb = (css: string) => css.match(/[\d.]+/g)!.map(Number)
    const luminance = (css: string) => {
      const [r, g, b] = rgb(css)
        .map((v) => v / 255)
        .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4))
      return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!
    }
    const background = (el: Element | null): string => {
      for (; el; el = el.parentElement) {
        const bg = getComputedStyle(el).backgroundColor
        if (rgb(bg)[3] !== 0) return bg
      }
      return 'rgb(255, 255, 255)'
    }
    const texts = [...document.body.querySelectorAll('*')].filter((el) => [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent!.trim()))
    return texts.map((el) => {
      const [a, b] = [luminance(getComputedStyle(el).color), luminance(background(el))]
      return Math.round(((Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)) * 10) / 10
    })
  })
}
