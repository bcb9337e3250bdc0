// Device storage on ILGPU: zeroed allocation, transfers, copies and fills through views at tensor
// offsets, and refusal of tensors from another backend.
using Engine.Kernels;
using Xunit;
using static Engine.Tests.Gpu.GpuTestDevice;

namespace Engine.Tests.Gpu;

[Collection(GpuCollection.Name)]
public class GpuMemoryTests
{
    public static IEnumerable<object[]> Devices => Support.BackendCases.Gpu;

    [SkippableTheory, MemberData(nameof(Devices))]
    public void Allocation_is_zeroed_and_round_trips(string device)
    {
        using var gpu = Open(device);
        var t = gpu.Zeros(3, 5);
        Assert.Equal(new float[15], gpu.Download(t));
        var values = Values(15, 1);
        gpu.Upload(values, t);
        Assert.Equal(values, gpu.Download(t));
        Assert.Empty(gpu.Download(gpu.Zeros(0)));
    }

    [SkippableTheory, MemberData(nameof(Devices))]
    public void Views_at_offsets_touch_only_their_elements(string device)
    {
        using var gpu = Open(device);
        var whole = gpu.FromArray([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 4, 3);
        gpu.Upload([-1, -2, -3], whole[1]);                 // row 1
        gpu.Copy(whole[0], whole[3]);                        // row 3 = row 0
        gpu.Fill(7f, whole.Slice(2, 1));                     // row 2 = 7
        Assert.Equal(new float[] { 0, 1, 2, -1, -2, -3, 7, 7, 7, 0, 1, 2 }, gpu.Download(whole));
        Assert.Equal(new float[] { 7, 7, 7 }, gpu.Download(whole[2]));
        gpu.Synchronize();
    }

    [SkippableTheory, MemberData(nameof(Devices))]
    public void Fill_covers_more_elements_than_the_grid_has_threads(string device)
    {
        using var gpu = Open(device);
        var t = gpu.Zeros(10_007); // more than any launch's groups x 256 threads on the CPU accelerator
        gpu.Fill(-0.5f, t);
        Assert.All(gpu.Download(t), v => Assert.Equal(-0.5f, v));
    }

    [SkippableTheory, MemberData(nameof(Devices))]
    public void Tensors_of_another_backend_are_refused_by_name(string device)
    {
        using var gpu = Open(device);
        var host = new ReferenceBackend().Zeros(2, 2);
        var e = Assert.Throws<ArgumentException>(() => gpu.Fill(1f, host));
        Assert.Equal($"tensor Tensor[2, 2] lives on backend 'reference', not on this '{device}' backend", e.Message);

        using var other = Open(device);
        Assert.Throws<ArgumentException>(() => gpu.Copy(gpu.Zeros(4), other.Zeros(4)));
    }

    [SkippableTheory, MemberData(nameof(Devices))]
    public void Transfers_check_lengths(string device)
    {
        using var gpu = Open(device);
        var t = gpu.Zeros(2, 3);
        var e = Assert.Throws<ArgumentException>(() => gpu.Upload(new float[5], t));
        Assert.Equal("Upload: 5 values for a tensor of 6 [2, 3]", e.Message);
        Assert.Throws<ArgumentException>(() => gpu.Download(t, new float[7]));
    }
}
