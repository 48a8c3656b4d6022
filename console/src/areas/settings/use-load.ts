import { ref, type Ref } from 'vue';

/**
 * A panel's loading, error and data, the same way everywhere: `load()` fetches again (the 重试
 * button), `error` holds the server's Chinese message.
 */
export function useLoad<T>(fetcher: () => Promise<T>): { data: Ref<T | null>; loading: Ref<boolean>; error: Ref<string>; load: () => Promise<void> } {
  const data = ref<T | null>(null) as Ref<T | null>;
  const loading = ref(false);
  const error = ref('');
  async function load() {
    loading.value = true;
    error.value = '';
    try {
      data.value = await fetcher();
    } catch (e) {
      error.value = (e as Error).message;
    } finally {
      loading.value = false;
    }
  }
  return { data, loading, error, load };
}
